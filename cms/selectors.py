"""Read models for the published pages. Each one's query count does not grow with the data."""

from dataclasses import dataclass

from django import forms
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Case, F, IntegerField, Prefetch, Q, Value, When
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.images import get_image_model

from charity.models import BeneficiaryGroupCode, Organization, ProjectStatus
from charity.regions import province_choices
from charity.selectors import project_totals

from .models import CharityProjectPage, ProjectUpdatePage
from .search import query_text

CARD_IMAGE = "fill-640x360"
HERO_IMAGE = "fill-1200x600"
PROJECTS_PER_PAGE = 12


class Sort:
    NEWEST = "newest"
    CLOSING = "closing"
    CLOSEST = "closest"
    CHOICES = [
        (NEWEST, _("Newest")),
        (CLOSING, _("Closing soon")),
        (CLOSEST, _("Closest to goal")),
    ]


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    group = forms.ChoiceField(label=_("Who it helps"), required=False)
    region = forms.ChoiceField(label=_("Province"), required=False)
    organization = forms.ChoiceField(label=_("Organization"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=Sort.CHOICES)

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        everyone = [("", _("All"))]
        self.fields["group"].choices = everyone + BeneficiaryGroupCode.choices
        self.fields["region"].choices = everyone + province_choices()
        self.fields["status"].choices = everyone + [
            (status.value, status.label)
            for status in (ProjectStatus.FUNDRAISING, ProjectStatus.CLOSED, ProjectStatus.COMPLETED)
        ]
        if organizations is None:
            del self.fields["organization"]
        else:
            self.fields["organization"].choices = everyone + [
                (organization.slug, organization.name) for organization in organizations
            ]

    def filters(self) -> dict:
        """The valid filters only: a bad value is dropped, so the list shows unfiltered."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


def _card_queryset(pages):
    renditions = get_image_model().objects.prefetch_renditions(CARD_IMAGE)
    return pages.select_related("project__organization").prefetch_related(
        Prefetch("hero_image", queryset=renditions),
        "project__beneficiary_groups",
    )


def public_project_pages(*, locale):
    """Live project pages in `locale` whose project the public may see."""
    return (
        CharityProjectPage.objects.live()
        .filter(locale=locale, project__organization__verified_at__isnull=False)
        .exclude(project__status=ProjectStatus.DRAFT)
    )


def _sorted(pages, sort: str):
    if sort == Sort.CLOSING:
        still_open = Case(
            When(project__status=ProjectStatus.FUNDRAISING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return pages.order_by(still_open, "project__fundraising_ends_at", "pk")
    if sort == Sort.CLOSEST:
        # What is still missing, smallest first. The raised amount joins the query here once
        # the platform records donations; until then nothing is raised.
        raised = Value(0, output_field=IntegerField())
        return pages.annotate(still_needed=F("project__goal_amount") - raised).order_by(
            "still_needed", "pk"
        )
    return pages.order_by("-first_published_at", "-pk")


@dataclass
class ProjectListing:
    form: ProjectFilterForm
    page_obj: object
    cards: list
    total: int
    query: str


def project_listing(*, request, locale, organization: Organization | None = None) -> ProjectListing:
    """The project index: filters from the query string, search, sort, one page of cards."""
    organizations = None if organization else Organization.objects.filter(verified_at__isnull=False)
    form = ProjectFilterForm(request.GET, organizations=organizations)
    filters = form.filters()
    pages = public_project_pages(locale=locale)
    if organization is not None:
        pages = pages.filter(project__organization=organization)
    if "organization" in filters:
        pages = pages.filter(project__organization__slug=filters["organization"])
    if "group" in filters:
        pages = pages.filter(project__beneficiary_groups=filters["group"])
    if "region" in filters:
        pages = pages.filter(project__region__startswith=filters["region"][:2])
    if "status" in filters:
        pages = pages.filter(project__status=filters["status"])
    pages = _sorted(pages, filters.get("sort", Sort.NEWEST))

    query = query_text(filters.get("q", ""))
    if query:
        matching = CharityProjectPage.objects.filter(pk__in=pages.values("pk")).search(
            query, operator="and", order_by_relevance=False
        )
        pages = pages.filter(pk__in=[page.pk for page in matching])

    paginator = Paginator(_card_queryset(pages), PROJECTS_PER_PAGE)
    try:
        page_obj = paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        raise Http404("No such page of projects") from None
    cards = project_cards(pages=list(page_obj.object_list))
    return ProjectListing(
        form=form, page_obj=page_obj, cards=cards, total=paginator.count, query=query
    )


@dataclass
class ProjectCard:
    page: CharityProjectPage
    totals: object

    @property
    def project(self):
        return self.page.project

    @property
    def image(self):
        image = self.page.hero_image
        return image.get_rendition(CARD_IMAGE) if image else None


def project_cards(*, pages) -> list[ProjectCard]:
    """Cards for already-loaded project pages (loaded with _card_queryset)."""
    totals = project_totals(projects=[page.project for page in pages])
    return [ProjectCard(page=page, totals=totals[page.project_id]) for page in pages]


def featured_project_cards(*, locale, limit: int = 6) -> list[ProjectCard]:
    """Urgent projects first, then featured ones, still fundraising."""
    pages = (
        public_project_pages(locale=locale)
        .filter(project__status=ProjectStatus.FUNDRAISING)
        .filter(Q(project__is_featured=True) | Q(project__is_urgent=True))
        .order_by("-project__is_urgent", "project__fundraising_ends_at", "pk")
    )
    return project_cards(pages=list(_card_queryset(pages)[:limit]))


def latest_updates(*, locale, parent=None, limit: int = 4) -> list[ProjectUpdatePage]:
    """The newest project updates (of one project page when `parent` is given), each with
    `.project_page` set, in two queries."""
    updates = ProjectUpdatePage.objects.live().filter(locale=locale).order_by("-date", "-pk")
    if parent is not None:
        updates = updates.child_of(parent)
    updates = list(updates.select_related("image")[:limit])
    if parent is not None:
        for update in updates:
            update.project_page = parent
        return updates
    parent_paths = {update.path[: -CharityProjectPage.steplen] for update in updates}
    parents = {page.path: page for page in CharityProjectPage.objects.filter(path__in=parent_paths)}
    for update in updates:
        update.project_page = parents.get(update.path[: -CharityProjectPage.steplen])
    return updates


def organization_project_cards(*, organization: Organization, locale) -> list[ProjectCard]:
    pages = public_project_pages(locale=locale).filter(project__organization=organization)
    return project_cards(pages=list(_card_queryset(_sorted(pages, Sort.CLOSING))[:24]))


@dataclass(frozen=True)
class PlatformTotals:
    organizations: int
    projects: int
    raised: int
    donors: int
    volunteer_hours: int


def platform_totals() -> PlatformTotals:
    """Figures for the home page, in three queries; money in yuan, summed over the ledger.

    Volunteer hours are zero until the volunteering capability records service hours.
    """
    from charity.selectors import platform_money, public_projects

    money = platform_money(currency="CNY")
    return PlatformTotals(
        organizations=Organization.objects.filter(verified_at__isnull=False).count(),
        projects=public_projects().count(),
        raised=money.raised,
        donors=money.donors,
        volunteer_hours=0,
    )
