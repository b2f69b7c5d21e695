"""Read models for the published pages. Each one's query count does not grow with the data."""

import datetime
from dataclasses import dataclass

from django import forms
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Left, Length
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.images import get_image_model
from wagtail.images.models import Filter
from wagtail.images.shortcuts import get_rendition_or_not_found

from charity.models import BeneficiaryGroupCode, Organization, ProjectStatus
from charity.regions import province_choices
from charity.selectors import project_totals

from .models import CharityProjectPage, ProjectUpdatePage
from .search import query_text
from .widgets import LanguageMarkingListingSelect, ListingSelect

CARD_IMAGE = "fill-640x360"
HERO_IMAGE = "fill-1200x600"
OG_IMAGE = "fill-1200x630"  # the project page's picture for link previews
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
    group = forms.ChoiceField(label=_("Who it helps"), required=False, widget=ListingSelect)
    # Province and organization names exist in Chinese only: their options say so on English pages.
    region = forms.ChoiceField(
        label=_("Province"), required=False, widget=LanguageMarkingListingSelect
    )
    organization = forms.ChoiceField(
        label=_("Organization"), required=False, widget=LanguageMarkingListingSelect
    )
    status = forms.ChoiceField(label=_("Status"), required=False, widget=ListingSelect)
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=Sort.CHOICES, widget=ListingSelect
    )

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
    return pages.select_related("project__organization", "hero_image").prefetch_related(
        "project__beneficiary_groups"
    )


def attach_renditions(images, *specs: str) -> None:
    """Give each image its renditions for `specs` ahead of get_rendition: from Wagtail's
    renditions cache, and those it lacks in one query (none when the cache has them all).

    A rendition that does not exist yet is left out; get_rendition creates it.
    """
    images = [image for image in images if image is not None]
    if not images:
        return
    rendition_model = get_image_model().get_rendition_model()
    # One Filter per spec: making one parses its spec and gathers Wagtail's image operation hooks.
    filters = {spec: Filter(spec=spec) for spec in specs}
    wanted = {}  # cache key → the images it is for (an image may be on several cards)
    for image in images:
        for spec in specs:
            focal_point_key = filters[spec].get_cache_key(image)
            key = rendition_model.construct_cache_key(image, focal_point_key, spec)
            wanted.setdefault(key, []).append(image)
    cached = rendition_model.cache_backend.get_many(list(wanted))
    for image in images:
        image.prefetched_renditions = []
    missing = {}
    for key, same in wanted.items():
        if key not in cached:
            missing[key] = same
            continue
        cached[key].image = same[0]  # as Wagtail does: no query for rendition.image
        for image in same:
            image.prefetched_renditions.append(cached[key])
    if missing:
        found = {}
        renditions = rendition_model.objects.filter(
            image__in={same[0].pk for same in missing.values()}, filter_spec__in=specs
        )
        for rendition in renditions.order_by():
            found.setdefault(rendition.image_id, []).append(rendition)
        fresh = {}
        for key, same in missing.items():
            for rendition in found.get(same[0].pk, []):
                spec, focal_point_key = rendition.filter_spec, rendition.focal_point_key
                if rendition_model.construct_cache_key(same[0], focal_point_key, spec) == key:
                    rendition.image = same[0]
                    for image in same:
                        image.prefetched_renditions.append(rendition)
                    fresh[key] = rendition
        rendition_model.cache_backend.set_many(fresh)


def prefetched_rendition(image, spec: str):
    """The image's `spec` rendition from attach_renditions, without get_rendition's cache write
    (attach_renditions stored it); made by get_rendition if it does not exist yet."""
    for rendition in getattr(image, "prefetched_renditions", ()):
        if rendition.filter_spec == spec:
            return rendition
    return image.get_rendition(spec)


def rendition_or_not_found(image, spec: str):
    """The image's `spec` rendition as the {% image %} tag gives it (a stand-in without a file
    when the original is missing), taken from attach_renditions when it found it: without the
    tag's write of the rendition back to the renditions cache on every view."""
    for rendition in getattr(image, "prefetched_renditions", ()):
        if rendition.filter_spec == spec:
            return rendition
    return get_rendition_or_not_found(image, spec)


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
        return prefetched_rendition(image, CARD_IMAGE) if image else None


def project_cards(*, pages) -> list[ProjectCard]:
    """Cards for already-loaded project pages (loaded with _card_queryset), in at most two more
    queries: totals, and renditions the cache lacks."""
    attach_renditions([page.hero_image for page in pages], CARD_IMAGE)
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


def partial_page(model, **values):
    """A page as if loaded with .only(*values): the other fields load when first read."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(None, names, [values[name] for name in names])


def latest_updates(*, locale, parent=None, limit: int = 4) -> list[ProjectUpdatePage]:
    """The newest project updates (of one project page when `parent` is given), each with
    `.project_page` set, in one query.

    Without `parent`, `.project_page` is loaded with its id, title, path and url_path only (enough
    for a title and a link); any other field is read from the database when first used.
    """
    updates = ProjectUpdatePage.objects.live().filter(locale=locale).order_by("-date", "-pk")
    if parent is not None:
        updates = list(updates.child_of(parent)[:limit])
        for update in updates:
            update.project_page = parent
        return updates
    parent_path = Left(OuterRef("path"), Length(OuterRef("path")) - CharityProjectPage.steplen)
    parents = CharityProjectPage.objects.filter(path=parent_path)
    updates = list(
        updates.annotate(
            project_page_id=Subquery(parents.values("pk")[:1]),
            project_page_title=Subquery(parents.values("title")[:1]),
        )[:limit]
    )
    for update in updates:
        update.project_page = None
        if update.project_page_id is not None:
            update.project_page = partial_page(
                CharityProjectPage,
                id=update.project_page_id,
                page_ptr_id=update.project_page_id,
                title=update.project_page_title,
                path=update.path[: -CharityProjectPage.steplen],
                depth=update.depth - 1,
                url_path=update.url_path[: update.url_path.rstrip("/").rindex("/") + 1],
            )
    return updates


@dataclass(frozen=True)
class UpdateTeaser:
    """A project update as its project's page lists it."""

    title: str
    url: str | None
    date: datetime.date
    body: str  # rich text as stored


def url_below(page, page_url: str | None, url_path: str) -> str | None:
    """The URL of the page at `url_path` below `page`, given `page`'s URL: Wagtail makes a
    page's URL from its url_path under its site's root, and a page below shares that root, so
    the URL is `page`'s followed by the rest of the url_path (Page.get_url would look for the
    site and its root again for each page). With or without a final slash, as `page`'s has."""
    if page_url is None or not url_path.startswith(page.url_path):
        return None
    url = page_url.rstrip("/") + "/" + url_path[len(page.url_path) :]
    return url if page_url.endswith("/") else url.rstrip("/")


def url_above(page, page_url: str | None) -> str | None:
    """The URL of `page`'s parent, given `page`'s URL (see url_below); None when it does not
    follow from it (`page` is a site's root)."""
    slash = "/" if page_url and page_url.endswith("/") else ""
    suffix = f"/{page.slug}{slash}"
    if page_url is None or not page_url.endswith(suffix) or len(page_url) == len(suffix):
        return None
    return page_url[: -len(suffix)] + "/" if slash else page_url[: -len(suffix)]


def project_updates(*, page: CharityProjectPage, page_url: str | None, limit: int = 10):
    """One query: the newest live updates of a project page, in its language, with their URLs
    (built from the page's, see url_below)."""
    rows = (
        ProjectUpdatePage.objects.filter(
            live=True, locale_id=page.locale_id, path__startswith=page.path, depth=page.depth + 1
        )
        .order_by("-date", "-pk")
        .values_list("title", "url_path", "date", "body")[:limit]
    )
    return [
        UpdateTeaser(title=title, url=url_below(page, page_url, url_path), date=date, body=body)
        for title, url_path, date, body in rows
    ]


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
    """Figures for the home page, in three queries; money in yuan, summed over the ledger;
    volunteer hours are the approved ones, in whole hours."""
    from charity.selectors import platform_money, public_projects
    from volunteers.selectors import approved_volunteer_minutes

    money = platform_money(currency="CNY")
    counts = Organization.objects.filter(verified_at__isnull=False).aggregate(
        organizations=Count("pk", distinct=True),
        projects=Count("projects", distinct=True, filter=Q(projects__in=public_projects())),
    )
    return PlatformTotals(
        organizations=counts["organizations"],
        projects=counts["projects"],
        raised=money.raised,
        donors=money.donors,
        volunteer_hours=approved_volunteer_minutes() // 60,
    )


# --- Transparency reports ------------------------------------------------------------------------


def _choice_label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def report_sections(figures: dict) -> list[dict]:
    """A published report's frozen figures arranged for its page, one section per currency, with
    the charts' geometry (no query: everything comes from the snapshot)."""
    from charity.models import DonationChannel, ExpenditureCategory

    from .charts import bars, donut

    sections = []
    for currency in figures.get("currencies", []):

        def of(key, currency=currency):
            return [row for row in figures.get(key, []) if row["currency"] == currency]

        income = [
            (_choice_label(DonationChannel, row["channel"]), row["net"])
            for row in of("income_by_channel")
        ]
        categories = [
            (_choice_label(ExpenditureCategory, row["category"]), row["amount"])
            for row in of("spending_by_category")
        ]
        groups = [
            (
                _choice_label(BeneficiaryGroupCode, row["beneficiary_group"])
                if row["beneficiary_group"]
                else str(_("Not for one group")),
                row["amount"],
            )
            for row in of("spending_by_beneficiary_group")
        ]
        projects = [
            {**row, "label": row["title"] or str(_("General fund"))} for row in of("projects")
        ]
        largest = max([max(p["raised"], p["spent"], 0) for p in projects] or [0])
        for project in projects:
            for key in ("raised", "spent"):
                project[f"{key}_width"] = (
                    f"{max(project[key], 0) * 100 / largest:.2f}" if largest else "0"
                )
        totals = next((row for row in of("totals")), {})
        sections.append(
            {
                "currency": currency,
                "totals": totals,
                "income": donut(income, currency=currency),
                "income_rows": income,
                "categories": donut(categories, currency=currency),
                "category_rows": categories,
                "groups": bars(groups, currency=currency, color_index=1),
                "projects": projects,
                "advances": next((row for row in of("advances")), None),
                "ratios": of("ratios"),
            }
        )
    return sections


# --- The disclosure calendar ----------------------------------------------------------------------


def project_disclosure_days(*, organizations) -> dict[int, list]:
    """One query: for each project of the organizations, the China-time days on which its live
    updates were first published (what counts as a progress or final disclosure)."""
    import zoneinfo

    from django.conf import settings
    from django.utils import timezone

    zone = zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)
    project_pages = CharityProjectPage.objects.filter(project__organization__in=organizations)
    paths = dict(project_pages.values_list("path", "project_id"))
    days: dict[int, list] = {}
    if not paths:
        return days
    steplen = CharityProjectPage.steplen
    children = Q()
    for path in paths:
        children |= Q(path__startswith=path, depth=len(path) // steplen + 1)
    updates = (
        ProjectUpdatePage.objects.live()
        .filter(children, first_published_at__isnull=False)
        .values_list("path", "first_published_at")
    )
    for path, published_at in updates:
        project_id = paths.get(path[:-steplen])
        if project_id is not None:
            days.setdefault(project_id, []).append(timezone.localtime(published_at, zone).date())
    return days


def organization_disclosure_calendar(*, organizations, today=None):
    """Three queries: what the organizations owe (charity.selectors.disclosure_calendar), with
    project updates on their pages as the progress and final disclosures."""
    from django.utils import timezone

    from charity.selectors import disclosure_calendar

    organizations = list(organizations)
    return disclosure_calendar(
        organizations=organizations,
        today=today or timezone.localdate(),
        disclosed_on=project_disclosure_days(organizations=organizations),
    )
