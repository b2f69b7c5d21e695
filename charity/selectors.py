"""Read models for charity pages. Each function documents how many queries it costs."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from .models import (
    Donation,
    DonationStatus,
    Expenditure,
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


def project_totals(*, projects) -> dict[int, ProjectTotals]:
    """Project id → totals, for already-loaded projects, in one query whatever their number.

    Raised amounts and donor counts are sums over the ledger (refunds and disputes included),
    never a counter kept beside it.
    """
    ids = [project.pk for project in projects]
    sums = {}
    if ids:
        sums = {
            row["project_id"]: row
            for row in LedgerEntry.objects.filter(project_id__in=ids)
            .values("project_id")
            .annotate(
                raised=Sum("amount", filter=Q(donation__isnull=False)),
                spent=Sum("amount", filter=Q(expenditure__isnull=False)),
                donors=_counted_donors(),
            )
            .order_by()
        }
    return {
        project.pk: ProjectTotals(
            goal=project.goal_amount,
            raised=sums.get(project.pk, {}).get("raised") or 0,
            donors=sums.get(project.pk, {}).get("donors") or 0,
            currency=project.currency,
            ends_at=project.fundraising_ends_at,
            spent=-(sums.get(project.pk, {}).get("spent") or 0),
        )
        for project in projects
    }


@dataclass(frozen=True)
class MoneyTotals:
    raised: int
    donors: int
    currency: str


def platform_money(*, currency: str = "CNY") -> MoneyTotals:
    """One query: all money received on the platform in `currency`, net of refunds, and donors."""
    row = LedgerEntry.objects.filter(currency=currency).aggregate(
        raised=Sum("amount", filter=Q(donation__isnull=False)), donors=_counted_donors()
    )
    return MoneyTotals(raised=row["raised"] or 0, donors=row["donors"] or 0, currency=currency)


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


def recent_gifts(*, project: Project, limit: int = 8) -> list[PublicGift]:
    """One query: the latest gifts received for a project, newest first, anonymity respected."""
    rows = (
        Donation.objects.filter(
            project=project,
            status__in=[DonationStatus.SUCCEEDED, DonationStatus.PARTIALLY_REFUNDED],
        )
        .order_by("-received_at", "-pk")
        .only(
            "donor_name",
            "is_anonymous",
            "amount",
            "currency",
            "message",
            "received_at",
            "frequency",
        )[:limit]
    )
    return [
        PublicGift(
            # The name is dropped here, before any template sees it.
            name="" if row.is_anonymous else row.donor_name,
            amount=row.amount,
            currency=row.currency,
            message="" if row.is_anonymous else row.message,
            received_at=row.received_at,
            monthly=row.frequency == "monthly",
        )
        for row in rows
    ]


def published_expenditures(*, project: Project, limit: int = 50) -> list[Expenditure]:
    """Two queries (one without any): a project's published spending, newest first, with its
    receipts. Payees that are individual beneficiaries are shown masked (`public_payee`)."""
    return list(
        Expenditure.objects.filter(project=project, status=ExpenditureStatus.PUBLISHED)
        .select_related("reverses")
        .prefetch_related("documents")
        .order_by("-spent_on", "-pk")[:limit]
    )
