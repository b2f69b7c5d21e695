"""Wagtail pages: the published face of the platform. They read domain data through selectors.

The tree (each page declares where it may live):

    HomePage
    ├── ProjectIndexPage            every public project, with filters and search
    ├── OrganizationIndexPage
    │   └── OrganizationPage        one organization; its editors' subtree
    │       ├── ProjectIndexPage    that organization's projects
    │       │   └── CharityProjectPage      → charity.Project
    │       │       └── ProjectUpdatePage
    │       └── TransparencyReportPage      → charity.TransparencyReport (made on publishing)
    └── StandardPage
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index
from wagtail.url_routing import RouteResult

from . import page_cache
from .blocks import StoryBlock
from .forms import CharityProjectPageForm, OrganizationPageForm
from .routing import page_below
from .search import index_text


class CachedPageMixin:
    """Anonymous readers get this page from the page cache until what it shows changes.

    A page names what it is built from in `page_cache_tags`, which must not read rows the tags
    cover: the tags' versions are taken before the page reads its data.
    """

    def page_cache_tags(self) -> tuple[str, ...]:
        return (page_cache.SITE, page_cache.PROJECTS)

    def routed_parent(self) -> Page:
        """The parent page, enough for a breadcrumb (title and URL): read along with this page
        when it was routed, else from the database."""
        if getattr(self, "routed_parent_id", None) is None:
            return self.get_parent()
        from .selectors import partial_model

        return partial_model(
            Page,
            id=self.routed_parent_id,
            title=self.routed_parent_title,
            locale_id=self.locale_id,
            path=self.path[: -self.steplen],
            depth=self.depth - 1,
            url_path=self.url_path[: self.url_path.rstrip("/").rindex("/") + 1],
        )

    def serve(self, request, *args, **kwargs):
        page_cache.depends_on(request, *self.page_cache_tags())
        return super().serve(request, *args, **kwargs)

    def get_view_restrictions(self):
        """Wagtail's restrictions on this page and its ancestors (an alias follows its source's),
        in one query instead of two; none at all when routing saw that no page has any."""
        if getattr(self, "_any_view_restrictions", True) is False:
            return PageViewRestriction.objects.none()
        paths = [self.path[:end] for end in range(self.steplen, len(self.path) + 1, self.steplen)]
        aliases = Page.objects.filter(path__in=paths, alias_of__isnull=False)
        return PageViewRestriction.objects.filter(
            Q(page__path__in=paths, page__alias_of__isnull=True)
            | Q(page__in=aliases.values("alias_of_id"))
        )


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
        """Find the page for a URL by its url_path in two queries instead of two per level.

        Wagtail walks the tree a level at a time; project pages sit five levels down. The result
        is the same: a live page whose ancestors are all live (see cms.routing.page_below).
        Requests usually skip this: cms.routing finds the page without first reading the site's
        home page.
        """
        if not path_components:
            return super().route(request, path_components)
        page, _root_live = page_below(root_url_path=self.url_path, components=path_components)
        if page is None:
            raise Http404
        return RouteResult(page)

    def get_context(self, request, *args, **kwargs):
        from .context_processors import project_index_url
        from .selectors import (
            featured_project_cards,
            home_organizations,
            platform_totals,
            recent_update_links,
        )

        context = super().get_context(request, *args, **kwargs)
        organizations = home_organizations(locale=self.locale_id, request=request)
        context["organizations"] = organizations
        context["featured"] = featured_project_cards(locale=self.locale_id, request=request)
        _stale_when_days_left_change(request, context["featured"])
        context["updates"] = recent_update_links(locale=self.locale_id, request=request)
        context["totals"] = platform_totals()
        context["project_index_url"] = project_index_url(home=self)
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
    subpage_types = ["cms.ProjectIndexPage", "cms.TransparencyReportPage"]
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
            organization=self.organization, locale=self.locale_id, request=request
        )
        _stale_when_days_left_change(request, context["cards"])
        context["project_index"] = ProjectIndexPage.objects.child_of(self).live().first()
        context["reports"] = (
            TransparencyReportPage.objects.child_of(self)
            .live()
            .select_related("report")
            .order_by("-report__period_start", "report__period_kind")
        )
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
        if self.depth <= 3:
            # Right below a home page (which sits below the tree's root): not an organization's.
            return None
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
    serve_select_related = ("hero_image", "project__organization")

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
        from charity.selectors import (
            project_beneficiary_groups,
            project_totals,
            published_expenditures,
            recent_gifts,
        )
        from volunteers.selectors import project_upcoming_shifts

        from .selectors import (
            HERO_IMAGE,
            OG_IMAGE,
            attach_renditions,
            project_updates,
            rendition_or_not_found,
            url_above,
        )

        context = super().get_context(request, *args, **kwargs)
        project = self.project  # with its organization when routed (serve_select_related)
        context["project"] = project
        context["totals"] = totals = project_totals(projects=[project])[project.pk]
        upcoming = [totals.days_left_changes_at]
        if project.fundraising_starts_at > timezone.now():
            upcoming.append(project.fundraising_starts_at)  # the call to give opens then
        if any(upcoming):
            page_cache.depends_on(request, expires_at=min(filter(None, upcoming)))
        context["beneficiary_groups"] = project_beneficiary_groups(project_id=project.pk)
        context["accepting"] = project.accepts_donations()
        context["gifts"] = recent_gifts(project=project)
        context["expenditures"] = published_expenditures(project=project)
        # The updates' and the parent's URLs follow from this page's: found once, not per page.
        url = self.get_url(request)
        context["updates"] = project_updates(page=self, page_url=url, limit=10)
        context["shifts"] = shifts = project_upcoming_shifts(project_id=project.pk)
        if shifts:  # the first one leaves the list when it starts
            page_cache.depends_on(request, expires_at=shifts[0].starts_at)
        context["parent"] = parent = self.routed_parent()
        context["parent_url"] = url_above(self, url) or parent.url
        if self.hero_image_id:
            attach_renditions([self.hero_image], HERO_IMAGE, OG_IMAGE)
            context["hero_image"] = rendition_or_not_found(self.hero_image, HERO_IMAGE)
            context["og_image"] = rendition_or_not_found(self.hero_image, OG_IMAGE)
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


class TransparencyReportPage(CachedPageMixin, Page):
    """A published transparency report: its frozen figures with charts, the regulatory ratios and
    the ledger head they were computed at. Made by the platform when finance staff publish the
    report (cms.services.report_pages_ensure), one per language of the organization's page; an
    editor may add an introduction but never changes a figure."""

    report = models.ForeignKey(
        "charity.TransparencyReport",
        verbose_name=_("report"),
        on_delete=models.PROTECT,
        related_name="pages",
    )
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["cms.OrganizationPage"]
    subpage_types = []
    is_creatable = False  # only publishing a report makes one
    serve_select_related = ("report", "report__organization")

    class Meta:
        verbose_name = _("transparency report page")

    def page_cache_tags(self):
        # The figures are frozen; only names and menus elsewhere on the site can change.
        return (page_cache.SITE,)

    def get_context(self, request, *args, **kwargs):
        from django.urls import reverse

        from .selectors import report_sections

        context = super().get_context(request, *args, **kwargs)
        report = self.report
        context["report"] = report
        context["organization"] = report.organization
        context["figures"] = report.figures
        context["sections"] = report_sections(report.figures)
        context["downloads"] = [
            (label, reverse("open_data_report", args=[report.pk, fmt]))
            for fmt, label in (("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("json", "JSON"))
        ]
        context["organization_page"] = self.get_parent()
        return context
