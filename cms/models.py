"""Wagtail pages: the published face of the platform. They read domain data through selectors.

The tree (each page declares where it may live):

    HomePage
    ├── ProjectIndexPage            every public project, with filters and search
    ├── OrganizationIndexPage
    │   └── OrganizationPage        one organization; its editors' subtree
    │       └── ProjectIndexPage    that organization's projects
    │           └── CharityProjectPage      → charity.Project
    │               └── ProjectUpdatePage
    └── StandardPage
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index
from wagtail.url_routing import RouteResult

from charity.models import Project
from charity.selectors import verified_organizations

from . import page_cache
from .blocks import StoryBlock
from .forms import CharityProjectPageForm, OrganizationPageForm
from .search import index_text


class CachedPageMixin:
    """Anonymous readers get this page from the page cache until what it shows changes.

    A page names what it is built from in `page_cache_tags`, which must not read rows the tags
    cover: the tags' versions are taken before the page reads its data.
    """

    def page_cache_tags(self) -> tuple[str, ...]:
        return (page_cache.SITE, page_cache.PROJECTS)

    def serve(self, request, *args, **kwargs):
        page_cache.depends_on(request, *self.page_cache_tags())
        return super().serve(request, *args, **kwargs)


def _stale_when_days_left_change(request, cards) -> None:
    moments = [card.totals.days_left_changes_at for card in cards]
    if any(moments):
        page_cache.depends_on(request, expires_at=min(filter(None, moments)))


class HomePage(CachedPageMixin, Page):
    """The site root in each language."""

    hero_title = models.CharField(_("hero title"), max_length=120)
    hero_text = models.TextField(_("hero text"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("hero_title"), FieldPanel("hero_text")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.ProjectIndexPage", "cms.OrganizationIndexPage", "cms.StandardPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")

    def route(self, request, path_components):
        """Find the page for a URL in one lookup by its url_path instead of one per level.

        Wagtail walks the tree a level at a time (two queries per level); project pages sit five
        levels down. The result is the same: a live page whose ancestors are all live.
        """
        if not path_components:
            return super().route(request, path_components)
        url_path = self.url_path + "/".join(path_components) + "/"
        page = Page.objects.filter(url_path=url_path, live=True).specific().first()
        if page is None or not page.path.startswith(self.path):
            raise Http404
        between = range(len(self.path) + self.steplen, len(page.path), self.steplen)
        ancestor_paths = [page.path[:end] for end in between]
        if ancestor_paths and Page.objects.filter(path__in=ancestor_paths, live=False).exists():
            raise Http404
        return RouteResult(page)

    def get_context(self, request, *args, **kwargs):
        from .selectors import featured_project_cards, latest_updates, platform_totals

        context = super().get_context(request, *args, **kwargs)
        organizations = list(verified_organizations()[:6])
        pages = OrganizationPage.objects.live().filter(
            locale_id=self.locale_id, organization__in=organizations
        )
        urls = {page.organization_id: page.get_url(request) for page in pages}
        for organization in organizations:
            organization.page_url = urls.get(organization.pk)
        context["organizations"] = organizations
        context["featured"] = featured_project_cards(locale=self.locale_id)
        _stale_when_days_left_change(request, context["featured"])
        context["updates"] = latest_updates(locale=self.locale_id)
        context["totals"] = platform_totals()
        context["project_index"] = ProjectIndexPage.objects.child_of(self).live().first()
        return context


class StandardPage(CachedPageMixin, Page):
    """About, FAQ, privacy and other plain pages."""

    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(StoryBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = _("standard page")

    def page_cache_tags(self):
        return (page_cache.SITE,)


class OrganizationIndexPage(CachedPageMixin, Page):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.OrganizationPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("organization index page")

    def page_cache_tags(self):
        return (page_cache.SITE,)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["organization_pages"] = (
            OrganizationPage.objects.child_of(self)
            .live()
            .filter(organization__verified_at__isnull=False)
            .select_related("organization")
        )
        return context


class OrganizationPage(CachedPageMixin, Page):
    """An organization's public profile. Its subtree is where its own editors work."""

    organization = models.ForeignKey(
        "charity.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="pages",
    )
    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(StoryBlock(), verbose_name=_("about"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("organization"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]

    parent_page_types = ["cms.OrganizationIndexPage"]
    subpage_types = ["cms.ProjectIndexPage"]
    base_form_class = OrganizationPageForm

    class Meta:
        verbose_name = _("organization page")

    def clean(self):
        super().clean()
        # One page per organization and language (a database constraint cannot reach the
        # inherited locale column).
        others = OrganizationPage.objects.filter(
            organization_id=self.organization_id, locale_id=self.locale_id
        ).exclude(pk=self.pk)
        if self.organization_id and others.exists():
            raise ValidationError(
                {"organization": _("This organization already has a page in this language.")}
            )

    def get_context(self, request, *args, **kwargs):
        from .selectors import organization_project_cards

        context = super().get_context(request, *args, **kwargs)
        context["cards"] = organization_project_cards(
            organization=self.organization, locale=self.locale_id
        )
        _stale_when_days_left_change(request, context["cards"])
        context["project_index"] = ProjectIndexPage.objects.child_of(self).live().first()
        return context


class ProjectIndexPage(CachedPageMixin, Page):
    """Lists projects: every public one under the home page, one organization's under its page."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["cms.HomePage", "cms.OrganizationPage"]
    subpage_types = ["cms.CharityProjectPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("project index page")

    @property
    def scope_organization(self):
        """The organization whose projects this index lists, or None for all of them."""
        parent = (
            OrganizationPage.objects.filter(path=self.path[: -self.steplen])
            .select_related("organization")
            .first()
        )
        return parent.organization if parent else None

    def get_context(self, request, *args, **kwargs):
        from .selectors import project_listing

        context = super().get_context(request, *args, **kwargs)
        context["listing"] = project_listing(
            request=request, locale=self.locale_id, organization=self.scope_organization
        )
        _stale_when_days_left_change(request, context["listing"].cards)
        return context


class CharityProjectPage(CachedPageMixin, Page):
    """The story of one relief project; its money lives in charity.Project."""

    project = models.ForeignKey(
        "charity.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="pages",
    )
    summary = models.TextField(_("summary"), max_length=300)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("hero image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hero_image_alt = models.CharField(
        _("hero image description"),
        max_length=200,
        blank=True,
        help_text=_("What the picture shows, for people who cannot see it."),
    )
    body = StreamField(StoryBlock(), verbose_name=_("story"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("project"),
        FieldPanel("summary"),
        MultiFieldPanel(
            [FieldPanel("hero_image"), FieldPanel("hero_image_alt")], heading=_("Hero image")
        ),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("search_text"),
        index.FilterField("project_id"),
    ]

    parent_page_types = ["cms.ProjectIndexPage"]
    subpage_types = ["cms.ProjectUpdatePage"]
    base_form_class = CharityProjectPageForm

    class Meta:
        verbose_name = _("charity project page")

    def search_text(self) -> str:
        """Title, summary and story as the index sees them (Chinese split into pairs)."""
        parts = [self.title, self.summary]
        for block in self.body:
            if block.block_type == "paragraph":
                parts.append(strip_tags(block.value.source))
            elif block.block_type == "quote":
                parts.append(block.value["text"])
        return index_text(" ".join(parts))

    def page_cache_tags(self):
        # Only this project's money: a gift to another project leaves this page as it was.
        return (page_cache.SITE, page_cache.project_tag(self.project_id))

    def get_context(self, request, *args, **kwargs):
        from charity.selectors import project_totals, recent_gifts

        from .selectors import latest_updates

        context = super().get_context(request, *args, **kwargs)
        project = (
            Project.objects.select_related("organization")
            .prefetch_related("beneficiary_groups")
            .get(pk=self.project_id)
        )
        context["project"] = project
        context["totals"] = totals = project_totals(projects=[project])[project.pk]
        upcoming = [totals.days_left_changes_at]
        if project.fundraising_starts_at > timezone.now():
            upcoming.append(project.fundraising_starts_at)  # the call to give opens then
        if any(upcoming):
            page_cache.depends_on(request, expires_at=min(filter(None, upcoming)))
        context["beneficiary_groups"] = list(project.beneficiary_groups.all())
        context["accepting"] = project.accepts_donations()
        context["gifts"] = recent_gifts(project=project)
        context["updates"] = latest_updates(locale=self.locale_id, parent=self, limit=10)
        return context

    def clean(self):
        super().clean()
        errors = {}
        if self.hero_image_id and not self.hero_image_alt.strip():
            errors["hero_image_alt"] = _("Describe the hero image for people who cannot see it.")
        others = CharityProjectPage.objects.filter(
            project_id=self.project_id, locale_id=self.locale_id
        ).exclude(pk=self.pk)
        if self.project_id and others.exists():
            errors["project"] = _("This project already has a page in this language.")
        if errors:
            raise ValidationError(errors)


class ProjectUpdatePage(CachedPageMixin, Page):
    """News from a project: progress, thanks, what the money bought."""

    date = models.DateField(_("date"))
    body = RichTextField(_("text"), features=["bold", "italic", "link", "ol", "ul"])
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    image_alt = models.CharField(_("image description"), max_length=200, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("body"),
        MultiFieldPanel([FieldPanel("image"), FieldPanel("image_alt")], heading=_("Image")),
    ]
    search_fields = [*Page.search_fields, index.SearchField("body")]

    parent_page_types = ["cms.CharityProjectPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("project update")
        ordering = ["-date"]

    def page_cache_tags(self):
        return (page_cache.SITE,)

    def clean(self):
        super().clean()
        if self.image_id and not self.image_alt.strip():
            raise ValidationError(
                {"image_alt": _("Describe the image for people who cannot see it.")}
            )
