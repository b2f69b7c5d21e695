"""Read models for the published pages. Each one's query count does not grow with the data."""

import datetime
from dataclasses import dataclass
from urllib.parse import quote

from django import forms
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Left, Length
from django.http import Http404
from django.utils import translation
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.images import get_image_model
from wagtail.images.models import Filter
from wagtail.images.shortcuts import get_rendition_or_not_found
from wagtail.models import Page

from charity.models import BeneficiaryGroupCode, Organization, Project, ProjectStatus
from charity.regions import province_choices
from charity.selectors import project_totals
from charity.templatetags.excerpts import excerpt
from charity.templatetags.money import format_money
from config.prepared import PreparedQuery, over_all_rows

from .models import CharityProjectPage, ProjectUpdatePage
from .routing import site_root_paths
from .search import query_text
from .widgets import LanguageMarkingListingSelect, ListingSelect, ListingTextInput

CARD_IMAGE = "fill-640x360"
HERO_IMAGE = "fill-1200x600"
OG_IMAGE = "fill-1200x630"  # the project page's picture for link previews
PROJECTS_PER_PAGE = 12
CARD_GROUPS = 2  # beneficiary groups a card names
_CARD_PROJECT_FIELDS = (
    "status",
    "is_urgent",
    "region",
    "goal_amount",
    "currency",
    "fundraising_ends_at",
)
# What attach_renditions and a rendition's URL need of an image.
_CARD_IMAGE_FIELDS = (
    "id",
    "file",
    "file_hash",
    "width",
    "height",
    "focal_point_x",
    "focal_point_y",
    "focal_point_width",
    "focal_point_height",
)


class Sort:
    NEWEST = "newest"
    CLOSING = "closing"
    CLOSEST = "closest"
    CHOICES = [
        (NEWEST, _("Newest")),
        (CLOSING, _("Closing soon")),
        (CLOSEST, _("Closest to goal")),
    ]


_EVERYONE = ("", _("All"))


class ProjectFilterForm(forms.Form):
    # The fixed choices are given here, once: each assignment in __init__ would normalize them
    # again for every view of the index. Their labels are lazy, so each page has its language.
    q = forms.CharField(label=_("Search"), required=False, max_length=100, widget=ListingTextInput)
    group = forms.ChoiceField(
        label=_("Who it helps"),
        required=False,
        choices=[_EVERYONE, *BeneficiaryGroupCode.choices],
        widget=ListingSelect,
    )
    # Province and organization names exist in Chinese only: their options say so on English pages.
    region = forms.ChoiceField(
        label=_("Province"),
        required=False,
        choices=[_EVERYONE, *province_choices()],
        widget=LanguageMarkingListingSelect,
    )
    organization = forms.ChoiceField(
        label=_("Organization"), required=False, widget=LanguageMarkingListingSelect
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            _EVERYONE,
            *(
                (status.value, status.label)
                for status in (
                    ProjectStatus.FUNDRAISING,
                    ProjectStatus.CLOSED,
                    ProjectStatus.COMPLETED,
                )
            ),
        ],
        widget=ListingSelect,
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=Sort.CHOICES, widget=ListingSelect
    )

    def __init__(self, *args, organizations=None, **kwargs):
        """organizations: (slug, name) pairs to filter by; None leaves the filter out."""
        super().__init__(*args, **kwargs)
        if organizations is None:
            del self.fields["organization"]
        else:
            self.fields["organization"].choices = [_EVERYONE, *organizations]

    def filters(self) -> dict:
        """The valid filters only: a bad value is dropped, so the list shows unfiltered."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


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


def _listing_pages(
    *,
    locale,
    sort,
    organization=None,
    organization_slug=None,
    group=None,
    region=None,
    status=None,
    matching=None,
):
    pages = public_project_pages(locale=locale)
    if organization is not None:
        pages = pages.filter(project__organization=organization)
    if organization_slug is not None:
        pages = pages.filter(project__organization__slug=organization_slug)
    if group is not None:
        pages = pages.filter(project__beneficiary_groups=group)
    if region is not None:
        pages = pages.filter(project__region__startswith=region[:2])
    if status is not None:
        pages = pages.filter(project__status=status)
    if matching is not None:
        pages = pages.filter(pk__in=matching)
    return _sorted(pages, sort)


_LISTING_IDS = PreparedQuery(
    CharityProjectPage, lambda **arguments: _listing_pages(**arguments).values_list("pk")
)


# The organization filter's choices: (slug, name) of each verified organization.
_FILTER_ORGANIZATIONS = PreparedQuery(
    Organization,
    lambda: Organization.objects.filter(verified_at__isnull=False).values_list("slug", "name"),
)


@dataclass
class ProjectListing:
    form: ProjectFilterForm
    page_obj: object
    cards: list
    total: int
    query: str


def project_listing(*, request, locale, organization: Organization | None = None) -> ProjectListing:
    """The project index: filters from the query string, search, sort, one page of cards."""
    organizations = None if organization else _FILTER_ORGANIZATIONS.rows()
    form = ProjectFilterForm(request.GET, organizations=organizations)
    filters = form.filters()
    arguments = {"locale": locale}
    if organization is not None:
        arguments["organization"] = organization.pk
    if "organization" in filters:
        arguments["organization_slug"] = filters["organization"]
    for name in ("group", "region", "status"):
        if name in filters:
            arguments[name] = filters[name]
    query = query_text(filters.get("q", ""))
    if query:
        pages = _listing_pages(**arguments, sort=Sort.NEWEST)
        matching = CharityProjectPage.objects.filter(pk__in=pages.values("pk")).search(
            query, operator="and", order_by_relevance=False
        )
        arguments["matching"] = [page.pk for page in matching]
    sort = filters.get("sort", Sort.NEWEST)
    # The matching pages' ids, in order: how many there are, and which are on this page.
    ids = [pk for (pk,) in _LISTING_IDS.rows(**arguments, fixed={"sort": sort})]
    paginator = Paginator(ids, PROJECTS_PER_PAGE)
    try:
        page_obj = paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        raise Http404("No such page of projects") from None
    shown = list(page_obj.object_list)
    position = {pk: index for index, pk in enumerate(shown)}
    rows = sorted(_CARDS_BY_ID.rows(ids=shown), key=lambda row: position[row[0]])
    cards = project_cards(rows=rows, request=request)
    return ProjectListing(
        form=form, page_obj=page_obj, cards=cards, total=paginator.count, query=query
    )


# What a project card shows, read as plain values: no page, project or image rows are built.
_CARD_COLUMNS = {
    "page_id": "pk",
    "title": "title",
    "url_path": "url_path",
    "summary": "summary",
    "image_alt": "hero_image_alt",
    "project_id": "project_id",
    "organization_name": "project__organization__name",
    **{f"project_{name}": f"project__{name}" for name in _CARD_PROJECT_FIELDS},
    **{f"image_{name}": f"hero_image__{name}" for name in _CARD_IMAGE_FIELDS},
}


@dataclass
class ProjectCard:
    """One project as its card shows it (see cms.templatetags.project_cards)."""

    title: str
    url: str
    summary: str
    image_alt: str
    organization_name: str
    project: Project  # only _CARD_PROJECT_FIELDS are loaded
    groups: list  # the labels of its first CARD_GROUPS beneficiary groups
    totals: object
    hero_image: object = None  # only _CARD_IMAGE_FIELDS are loaded

    @property
    def image(self):
        return rendition_or_not_found(self.hero_image, CARD_IMAGE) if self.hero_image else None

    @property
    def excerpt(self) -> str:
        return excerpt(self.summary, 90)

    @property
    def status_label(self) -> str:
        return ProjectStatus(self.project.status).label

    # The card's sentences, made here rather than with {% blocktranslate %} in the card's
    # template: a listing has a dozen cards, and four such tags each cost more than the rest of
    # a card. Same messages, same catalog entries.

    @property
    def progress_label(self) -> str:
        return gettext("Raised for %(title)s") % {"title": self.title}

    @property
    def progress_caption(self) -> str:
        totals = self.totals
        return gettext("%(raised)s of %(goal)s") % {
            "raised": format_money(totals.raised, totals.currency),
            "goal": format_money(totals.goal, totals.currency),
        }

    @property
    def donors_label(self) -> str:
        donors = self.totals.donors
        return ngettext("%(donors)s donor", "%(donors)s donors", donors) % {"donors": donors}

    @property
    def days_left_label(self) -> str:
        days = self.totals.days_left
        return ngettext("%(days)s day left", "%(days)s days left", days) % {"days": days}


def _card_group(index: int):
    """The code of the project's beneficiary group at `index` (in code order), or None."""
    chosen = Project.beneficiary_groups.through.objects.filter(project_id=OuterRef("project_id"))
    return Subquery(
        chosen.order_by("beneficiarygroup_id").values("beneficiarygroup_id")[index : index + 1]
    )


def _card_rows(pages):
    return pages.values_list(
        *_CARD_COLUMNS.values(), *(_card_group(index) for index in range(CARD_GROUPS))
    )


_CARDS_BY_ID = PreparedQuery(
    CharityProjectPage, lambda *, ids: _card_rows(CharityProjectPage.objects.filter(pk__in=ids))
)
_FEATURED_CARDS = PreparedQuery(
    CharityProjectPage,
    lambda *, locale, limit: _card_rows(
        public_project_pages(locale=locale)
        .filter(project__status=ProjectStatus.FUNDRAISING)
        .filter(Q(project__is_featured=True) | Q(project__is_urgent=True))
        .order_by("-project__is_urgent", "project__fundraising_ends_at", "pk")[:limit]
    ),
)
_ORGANIZATION_CARDS = PreparedQuery(
    CharityProjectPage,
    lambda *, locale, organization, limit: _card_rows(
        _sorted(
            public_project_pages(locale=locale).filter(project__organization=organization),
            Sort.CLOSING,
        )[:limit]
    ),
)


def project_cards(*, rows, request=None) -> list[ProjectCard]:
    """Cards for rows of _card_rows, in at most two more queries: their totals, and renditions
    the cache lacks."""
    names = [*_CARD_COLUMNS, *(f"group_{index}" for index in range(CARD_GROUPS))]
    rows = [dict(zip(names, row, strict=True)) for row in rows]
    cards = []
    for row in rows:
        project = partial_model(
            Project,
            id=row["project_id"],
            **{name: row[f"project_{name}"] for name in _CARD_PROJECT_FIELDS},
        )
        image = None
        if row["image_id"] is not None:
            image = partial_model(
                get_image_model(), **{name: row[f"image_{name}"] for name in _CARD_IMAGE_FIELDS}
            )
        url = url_of(row["url_path"], request)
        cards.append(
            ProjectCard(
                title=row["title"],
                url=url,
                summary=row["summary"],
                image_alt=row["image_alt"],
                organization_name=row["organization_name"],
                project=project,
                groups=[
                    BeneficiaryGroupCode(row[f"group_{index}"]).label
                    for index in range(CARD_GROUPS)
                    if row[f"group_{index}"] is not None
                ],
                totals=None,
                hero_image=image,
            )
        )
    attach_renditions([card.hero_image for card in cards], CARD_IMAGE)
    totals = project_totals(projects=[card.project for card in cards])
    for card in cards:
        card.totals = totals[card.project.pk]
    return cards


def featured_project_cards(*, locale, request=None, limit: int = 6) -> list[ProjectCard]:
    """Urgent projects first, then featured ones, still fundraising."""
    rows = _FEATURED_CARDS.rows(locale=locale, fixed={"limit": limit})
    return project_cards(rows=rows, request=request)


def url_of(url_path: str, request=None) -> str | None:
    """Page.get_url for a page known only by its url_path: that and the cached site root paths
    are all it needs, so no page row is loaded.

    With a request, each URL found is kept on it, and a page that is not itself a site's root
    gets its parent's URL followed by its slug: its site root paths are its parent's, so that is
    the URL Wagtail would make (see url_below). A dozen cards then ask Wagtail for one URL, not
    a dozen, each with its own translation.override and reverse()."""
    if request is None:
        return Page(url_path=url_path).get_url()
    try:
        known = request._shanxin_page_urls
    except AttributeError:
        known = request._shanxin_page_urls = {}
    language = translation.get_language()  # Page.get_url's URL depends on it
    return _url_on(url_path, request, known, language)


def _url_on(url_path: str, request, known: dict, language) -> str | None:
    key = (language, url_path)
    if key in known:
        return known[key]
    parent_path, _, slug = url_path.rstrip("/").rpartition("/")
    if not parent_path or any(root.root_path == url_path for root in site_root_paths(request)):
        url = Page(url_path=url_path).get_url(request)
    else:
        parent_url = _url_on(parent_path + "/", request, known, language)
        url = None if parent_url is None else _followed_by(parent_url, slug + "/")
    known[key] = url
    return url


def partial_model(model, **values):
    """An instance as if loaded with .only(*values): the other fields load when first read."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(None, names, [values[name] for name in names])


@dataclass(frozen=True)
class UpdateLink:
    """A project update as a list of news shows it: a title and a link, not the page."""

    title: str
    date: object
    url: str
    body: str
    published_at: object
    project_title: str | None


def _update_link_rows(*, locale, limit):
    parent_path = Left(OuterRef("path"), Length(OuterRef("path")) - CharityProjectPage.steplen)
    project_title = Subquery(
        CharityProjectPage.objects.filter(path=parent_path).values("title")[:1]
    )
    return (
        ProjectUpdatePage.objects.live()
        .filter(locale=locale)
        .order_by("-date", "-pk")
        .annotate(project_title=project_title)
        .values_list("title", "date", "url_path", "body", "first_published_at", "project_title")
    )[:limit]


_UPDATE_LINKS = PreparedQuery(ProjectUpdatePage, _update_link_rows)


def recent_update_links(*, locale, request=None, limit: int = 4) -> list[UpdateLink]:
    """The newest project updates in `locale`, with their project pages' titles, in one query."""
    return [
        UpdateLink(
            title=title,
            date=date,
            url=url_of(url_path, request),
            body=body,
            published_at=published_at,
            project_title=project_title,
        )
        for title, date, url_path, body, published_at, project_title in _UPDATE_LINKS.rows(
            locale=locale, fixed={"limit": limit}
        )
    ]


def _home_organization_rows(*, locale, limit):
    from charity.selectors import verified_organizations

    from .models import OrganizationPage

    pages = OrganizationPage.objects.live().filter(locale_id=locale, organization=OuterRef("pk"))
    return (
        verified_organizations()
        .annotate(page_url_path=Subquery(pages.order_by("path").values("url_path")[:1]))
        .values_list(*HOME_ORGANIZATION_FIELDS, "member_count", "page_url_path")[:limit]
    )


HOME_ORGANIZATION_FIELDS = ("id", "name", "description", "logo", "has_public_fundraising")
_HOME_ORGANIZATIONS = PreparedQuery(Organization, _home_organization_rows)


def home_organizations(*, locale, request=None, limit: int = 6) -> list[Organization]:
    """Verified organizations for the home page: the columns their cards show, with
    `member_count` and `page_url` (their page in `locale`, or None)."""
    organizations = []
    for *values, member_count, page_url_path in _HOME_ORGANIZATIONS.rows(
        locale=locale, fixed={"limit": limit}
    ):
        organization = partial_model(
            Organization, **dict(zip(HOME_ORGANIZATION_FIELDS, values, strict=True))
        )
        organization.member_count = member_count
        organization.page_url = None
        if page_url_path is not None:
            organization.page_url = url_of(page_url_path, request)
        organizations.append(organization)
    return organizations


def organization_project_cards(
    *, organization: Organization, locale, request=None
) -> list[ProjectCard]:
    rows = _ORGANIZATION_CARDS.rows(
        locale=locale, organization=organization.pk, fixed={"limit": 24}
    )
    return project_cards(rows=rows, request=request)


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
    return _followed_by(page_url, url_path[len(page.url_path) :])


def _followed_by(page_url: str, rest: str) -> str:
    """The URL of the page whose url_path is the page at `page_url`'s followed by `rest`, with or
    without a final slash as `page_url` has it."""
    url = page_url.rstrip("/") + "/" + _as_reversed(rest)
    return url if page_url.endswith("/") else url.rstrip("/")


def _as_reversed(path: str) -> str:
    """`path` quoted as Django's reverse() quotes it (a Chinese slug becomes %E5…), so that URLs
    made here are the ones Page.get_url makes."""
    return quote(path, safe=RFC3986_SUBDELIMS + "/~:@")


def url_above(page, page_url: str | None) -> str | None:
    """The URL of `page`'s parent, given `page`'s URL (see url_below); None when it does not
    follow from it (`page` is a site's root)."""
    slash = "/" if page_url and page_url.endswith("/") else ""
    suffix = f"/{_as_reversed(page.slug)}{slash}"
    if page_url is None or not page_url.endswith(suffix) or len(page_url) == len(suffix):
        return None
    return page_url[: -len(suffix)] + "/" if slash else page_url[: -len(suffix)]


# A page's children are the pages one level down whose paths lie between its path and its path
# followed by the alphabet's last step (paths compare byte by byte): unlike path__startswith, a
# range takes the path as it is, so the query can be prepared.
_PROJECT_UPDATES = PreparedQuery(
    ProjectUpdatePage,
    lambda *, locale_id, path, last_child_path, depth, limit: (
        ProjectUpdatePage.objects.filter(
            live=True, locale_id=locale_id, path__range=(path, last_child_path), depth=depth
        )
        .order_by("-date", "-pk")
        .values_list("title", "url_path", "date", "body")[:limit]
    ),
)


def project_updates(*, page: CharityProjectPage, page_url: str | None, limit: int = 10):
    """One query: the newest live updates of a project page, in its language, with their URLs
    (built from the page's, see url_below)."""
    rows = _PROJECT_UPDATES.rows(
        locale_id=page.locale_id,
        path=page.path,
        last_child_path=page.path + Page.alphabet[-1] * Page.steplen,
        depth=page.depth + 1,
        fixed={"limit": limit},
    )
    return [
        UpdateTeaser(title=title, url=url_below(page, page_url, url_path), date=date, body=body)
        for title, url_path, date, body in rows
    ]


@dataclass(frozen=True)
class PlatformTotals:
    organizations: int
    projects: int
    raised: int
    donors: int
    volunteer_hours: int


def _platform_counts():
    from charity.selectors import public_projects

    return (
        over_all_rows(Organization.objects.filter(verified_at__isnull=False))
        .annotate(
            organizations=Count("pk", distinct=True),
            projects=Count("projects", distinct=True, filter=Q(projects__in=public_projects())),
        )
        .values_list("organizations", "projects")
    )


_PLATFORM_COUNTS = PreparedQuery(Organization, _platform_counts)


def platform_totals() -> PlatformTotals:
    """Figures for the home page, in three queries; money in yuan, summed over the ledger;
    volunteer hours are the approved ones, in whole hours."""
    from charity.selectors import platform_money
    from volunteers.selectors import approved_volunteer_minutes

    money = platform_money(currency="CNY")
    ((organizations, projects),) = _PLATFORM_COUNTS.rows()
    return PlatformTotals(
        organizations=organizations,
        projects=projects,
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
