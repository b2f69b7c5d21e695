"""Read models for charity pages. Each function documents how many queries it costs."""

import calendar
import datetime
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from config.prepared import PreparedQuery, over_all_rows

from .models import (
    AuditEntry,
    BeneficiaryGroupCode,
    Donation,
    DonationStatus,
    Expenditure,
    ExpenditureCategory,
    ExpenditureDocument,
    ExpenditureStatus,
    Invitation,
    LedgerEntry,
    LedgerEntryKind,
    Membership,
    Organization,
    Project,
    ProjectStatus,
    Role,
    User,
)
from .permissions import ACTIONS, can


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    """One query: the user's memberships with their organizations."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )


def open_invitations_for_user(*, user: User) -> QuerySet[Invitation]:
    """One query: invitations addressed to the user's email that can still be accepted."""
    return Invitation.objects.filter(
        email__iexact=user.email,
        accepted_at=None,
        revoked_at=None,
        expires_at__gt=timezone.now(),
    ).select_related("organization", "invited_by")


def organization_members(*, organization: Organization) -> QuerySet[Membership]:
    """One query: members with their users, in the order of Role (owners first)."""
    role_order = Case(
        *(When(role=role, then=Value(position)) for position, role in enumerate(Role.values)),
        output_field=IntegerField(),
    )
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by(role_order, "user__email")
    )


def organization_open_invitations(*, organization: Organization) -> QuerySet[Invitation]:
    """One query: invitations not yet accepted, revoked or expired."""
    return organization.invitations.filter(
        accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def verified_organizations() -> QuerySet[Organization]:
    """One query: organizations a visitor may see as verified, with their member counts."""
    return Organization.objects.filter(verified_at__isnull=False).annotate(
        member_count=Count("memberships")
    )


@dataclass(frozen=True)
class ProjectTotals:
    """A project's money as the public sees it, in minor units of `currency`."""

    goal: int
    raised: int
    donors: int
    currency: str
    ends_at: datetime.datetime
    spent: int = 0

    @property
    def balance(self) -> int:
        return self.raised - self.spent

    @property
    def percent(self) -> int:
        return min(100, self.raised * 100 // self.goal) if self.goal else 0

    @property
    def days_left(self) -> int:
        remaining = self.ends_at - timezone.now()
        return max(0, remaining.days + (1 if remaining.seconds or remaining.microseconds else 0))

    @property
    def days_left_changes_at(self) -> datetime.datetime | None:
        """When `days_left` next counts down (pages showing it go stale then); None at zero."""
        days = self.days_left
        return self.ends_at - datetime.timedelta(days=days - 1) if days else None


def _counted_donors():
    # A donor counts once per project, for money received and not all given back.
    return Count(
        "donation__donor_key",
        distinct=True,
        filter=Q(kind=LedgerEntryKind.DONATION_RECEIVED)
        & ~Q(donation__status=DonationStatus.REFUNDED),
    )


_PROJECT_SUMS = PreparedQuery(
    LedgerEntry,
    lambda *, project_ids: (
        LedgerEntry.objects.filter(project_id__in=project_ids)
        .values("project_id")
        .annotate(
            raised=Sum("amount", filter=Q(donation__isnull=False)),
            spent=Sum("amount", filter=Q(expenditure__isnull=False)),
            donors=_counted_donors(),
        )
        .order_by()
        .values_list("project_id", "raised", "spent", "donors")
    ),
)


def project_totals(*, projects) -> dict[int, ProjectTotals]:
    """Project id → totals, for already-loaded projects, in one query whatever their number.

    Raised amounts and donor counts are sums over the ledger (refunds and disputes included),
    never a counter kept beside it.
    """
    ids = [project.pk for project in projects]
    sums = {}
    if ids:
        sums = {row[0]: row for row in _PROJECT_SUMS.rows(project_ids=ids)}
    totals = {}
    for project in projects:
        _id, raised, spent, donors = sums.get(project.pk, (None, 0, 0, 0))
        totals[project.pk] = ProjectTotals(
            goal=project.goal_amount,
            raised=raised or 0,
            donors=donors or 0,
            currency=project.currency,
            ends_at=project.fundraising_ends_at,
            spent=-(spent or 0),
        )
    return totals


@dataclass(frozen=True)
class MoneyTotals:
    raised: int
    donors: int
    currency: str


_PLATFORM_MONEY = PreparedQuery(
    LedgerEntry,
    lambda *, currency: (
        over_all_rows(LedgerEntry.objects.filter(currency=currency))
        .annotate(raised=Sum("amount", filter=Q(donation__isnull=False)), donors=_counted_donors())
        .values_list("raised", "donors")
    ),
)


def platform_money(*, currency: str = "CNY") -> MoneyTotals:
    """One query: all money received on the platform in `currency`, net of refunds, and donors."""
    ((raised, donors),) = _PLATFORM_MONEY.rows(currency=currency)
    return MoneyTotals(raised=raised or 0, donors=donors or 0, currency=currency)


def public_projects() -> QuerySet[Project]:
    """Projects visible to the public: of verified organizations, past draft."""
    return Project.objects.filter(organization__verified_at__isnull=False).exclude(
        status=ProjectStatus.DRAFT
    )


@dataclass(frozen=True)
class PublicGift:
    """A gift as the public may see it: no name when the donor asked to stay anonymous."""

    name: str
    amount: int
    currency: str
    message: str
    received_at: datetime.datetime
    monthly: bool


_RECENT_GIFTS = PreparedQuery(
    Donation,
    lambda *, project_id, limit: (
        Donation.objects.filter(
            project_id=project_id,
            status__in=[DonationStatus.SUCCEEDED, DonationStatus.PARTIALLY_REFUNDED],
        )
        .order_by("-received_at", "-pk")
        .values_list(
            "donor_name",
            "is_anonymous",
            "amount",
            "currency",
            "message",
            "received_at",
            "frequency",
        )[:limit]
    ),
)


def recent_gifts(*, project: Project, limit: int = 8) -> list[PublicGift]:
    """One query: the latest gifts received for a project, newest first, anonymity respected."""
    rows = _RECENT_GIFTS.rows(project_id=project.pk, fixed={"limit": limit})
    return [
        PublicGift(
            # The name is dropped here, before any template sees it.
            name="" if anonymous else name,
            amount=amount,
            currency=currency,
            message="" if anonymous else message,
            received_at=received_at,
            monthly=frequency == "monthly",
        )
        for name, anonymous, amount, currency, message, received_at, frequency in rows
    ]


_BENEFICIARY_GROUPS = PreparedQuery(
    Project.beneficiary_groups.through,
    lambda *, project_id: (
        Project.beneficiary_groups.through.objects.filter(project_id=project_id)
        .order_by("beneficiarygroup_id")
        .values_list("beneficiarygroup_id")
    ),
)


def project_beneficiary_groups(*, project_id: int) -> list:
    """One query: the labels of the groups a project serves, in the order of their codes."""
    rows = _BENEFICIARY_GROUPS.rows(project_id=project_id)
    return [BeneficiaryGroupCode(code).label for (code,) in rows]


@dataclass(frozen=True)
class PublicExpenditure:
    """A published expenditure as its project's page shows it, with its receipts' URLs."""

    spent_on: datetime.date
    purpose: str
    category: str  # its label
    is_reversal: bool
    is_advance: bool
    advance_reason: str
    payee: str  # shown as public_payee
    payee_is_individual: bool
    amount: int
    currency: str
    receipt_urls: list[str]

    # An individual's name masked, by the model's own rule (it reads the two fields above).
    public_payee = Expenditure.public_payee


_PUBLISHED_EXPENDITURES = PreparedQuery(
    Expenditure,
    lambda *, project_id, limit: (
        Expenditure.objects.filter(project_id=project_id, status=ExpenditureStatus.PUBLISHED)
        .order_by("-spent_on", "-pk")
        .values_list(
            "pk",
            "spent_on",
            "purpose",
            "reverses_id",
            "category",
            "is_advance",
            "advance_reason",
            "payee",
            "payee_is_individual",
            "amount",
            "currency",
        )[:limit]
    ),
)
_RECEIPT_FILES = PreparedQuery(
    ExpenditureDocument,
    lambda *, expenditure_ids: (
        ExpenditureDocument.objects.filter(expenditure_id__in=expenditure_ids)
        .order_by("pk")
        .values_list("expenditure_id", "file")
    ),
)


def published_expenditures(*, project: Project, limit: int = 50) -> list[PublicExpenditure]:
    """Two queries (one without any): a project's published spending, newest first, with its
    receipts. Payees that are individual beneficiaries are shown masked."""
    rows = _PUBLISHED_EXPENDITURES.rows(project_id=project.pk, fixed={"limit": limit})
    receipts = {row[0]: [] for row in rows}
    if receipts:
        # Two plain queries cost less than one joining the receipts to a limited subquery.
        storage = ExpenditureDocument._meta.get_field("file").storage
        documents = _RECEIPT_FILES.rows(expenditure_ids=list(receipts))
        for expenditure_id, name in documents:
            receipts[expenditure_id].append(storage.url(name))
    return [
        PublicExpenditure(
            spent_on=spent_on,
            purpose=purpose,
            category=ExpenditureCategory(category).label,
            is_reversal=reverses_id is not None,
            is_advance=is_advance,
            advance_reason=advance_reason,
            payee=payee,
            payee_is_individual=individual,
            amount=amount,
            currency=currency,
            receipt_urls=receipts[pk],
        )
        for (
            pk,
            spent_on,
            purpose,
            reverses_id,
            category,
            is_advance,
            advance_reason,
            payee,
            individual,
            amount,
            currency,
        ) in rows
    ]


# --- The disclosure calendar ----------------------------------------------------------------------
#
# 《中华人民共和国慈善法》第七十一条 (2016; 第七十六条 after the 2023 amendment): a project that runs
# longer than six months discloses its progress at least every three months, and every project
# discloses in full within three months of its end. 《慈善组织信息公开办法》(民政部, 2018) 第十条: the
# annual work report, with the financial report, by May 31 of the following year.
#
# On this platform a project "runs" from its fundraising start to its fundraising end (the only
# period it records, as China-time days). A progress or final disclosure is a project update
# published on the project's page; it counts from the day it went public (first publication,
# China time), so back-dating an update does not satisfy an earlier deadline. The annual report
# is a published yearly transparency report for that year. The caller supplies the days of the
# project updates (they are CMS pages, which this app does not know).

DISCLOSURE_DUE_SOON = datetime.timedelta(days=30)
PROGRESS_EVERY_MONTHS = 3
LONG_PROJECT_MONTHS = 6
FINAL_WITHIN_MONTHS = 3
ANNUAL_REPORT_DUE = (5, 31)  # May 31 of the following year
ANNUAL_YEARS_BACK = 3  # how many past years' missing annual reports are still listed


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it has fewer days (Nov 30 + 3
    months = Feb 28/29)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class DisclosureItem:
    """One disclosure an organization owes: "overdue" once its day has passed, "due" within
    DISCLOSURE_DUE_SOON of it."""

    organization: Organization
    kind: str  # charity.models.DisclosureKind
    due_on: datetime.date
    status: str  # "due" or "overdue"
    days: int  # days left (due) or days late (overdue)
    project: Project | None = None
    year: int | None = None  # the annual report's year


def _china_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment, zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)).date()


def disclosure_calendar(
    *,
    organizations,
    today: datetime.date,
    disclosed_on: dict[int, list[datetime.date]],
) -> list[DisclosureItem]:
    """Two queries: what the organizations owe and is due within DISCLOSURE_DUE_SOON or overdue,
    most urgent first. `disclosed_on` maps a project id to the days its updates went public."""
    from .models import DisclosureKind, ReportPeriodKind, ReportStatus, TransparencyReport

    organizations = [org for org in organizations if org.is_verified]
    by_id = {org.pk: org for org in organizations}
    items: list[DisclosureItem] = []

    def add(organization, kind, due_on, **extra):
        if due_on < today:
            status = "overdue"
        elif due_on - today <= DISCLOSURE_DUE_SOON:
            status = "due"
        else:
            return
        items.append(
            DisclosureItem(
                organization=organization,
                kind=kind,
                due_on=due_on,
                status=status,
                days=abs((due_on - today).days),
                **extra,
            )
        )

    projects = public_projects().filter(organization__in=organizations).order_by("pk")
    for project in projects:
        start = _china_day(project.fundraising_starts_at)
        end = _china_day(project.fundraising_ends_at)
        if start > today or end <= add_months(start, LONG_PROJECT_MONTHS):
            continue  # not started, or not a long project
        days = sorted(d for d in disclosed_on.get(project.pk, []) if d >= start)
        organization = by_id[project.organization_id]
        if end < today:
            if not any(d >= end for d in days):
                final_due = add_months(end, FINAL_WITHIN_MONTHS)
                add(organization, DisclosureKind.FINAL, final_due, project=project)
            continue
        # Every three months from the start or from the latest disclosure; a deadline after the
        # end gives way to the final disclosure.
        due_on = add_months(days[-1] if days else start, PROGRESS_EVERY_MONTHS)
        if due_on <= end:
            add(organization, DisclosureKind.PROGRESS, due_on, project=project)

    published_years = set(
        TransparencyReport.objects.filter(
            organization__in=organizations,
            period_kind=ReportPeriodKind.YEAR,
            status=ReportStatus.PUBLISHED,
        ).values_list("organization_id", "period_start__year")
    )
    for organization in organizations:
        first_year = max(_china_day(organization.verified_at).year, today.year - ANNUAL_YEARS_BACK)
        for year in range(first_year, today.year):
            if (organization.pk, year) not in published_years:
                add(
                    organization,
                    DisclosureKind.ANNUAL,
                    datetime.date(year + 1, *ANNUAL_REPORT_DUE),
                    year=year,
                )
    return sorted(items, key=lambda item: (item.status != "overdue", item.due_on))


def audit_organizations(*, user: User) -> list[Organization]:
    """One query (plus the cached role and email checks): the organizations whose audit trail
    `user` may read. Membership in an owning role, not platform status: a superuser sees the
    trail of an organization only as one of its owners."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    candidates = Organization.objects.filter(
        memberships__user=user, memberships__role__in=ACTIONS["audit.view"].roles
    ).order_by("name")
    return [organization for organization in candidates if can(user, "audit.view", organization)]


def audit_entries(
    *,
    organizations,
    object_type: str = "",
    actor: User | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> QuerySet[AuditEntry]:
    """The organizations' audit entries, newest first, with actor and organization (one query
    per page). `until` is exclusive."""
    entries = AuditEntry.objects.filter(organization__in=organizations)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if actor is not None:
        entries = entries.filter(actor=actor)
    if since is not None:
        entries = entries.filter(created__gte=since)
    if until is not None:
        entries = entries.filter(created__lt=until)
    return entries.select_related("actor", "organization").order_by("-created", "-pk")


def audit_actors(*, organizations) -> QuerySet[User]:
    """One query: the people who appear as actors in the organizations' trails."""
    return User.objects.filter(
        pk__in=AuditEntry.objects.filter(
            organization__in=organizations, actor__isnull=False
        ).values("actor")
    ).order_by("display_name", "email")
