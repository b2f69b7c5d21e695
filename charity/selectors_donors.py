"""Read models for donors' own pages: a gift by its private link, its receipt, "My donations".

Each function documents how many queries it costs; none grows with the number of gifts shown.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Lower

from .models import (
    RECEIVED_STATUSES,
    Donation,
    DonationStatus,
    Expenditure,
    RecurringGift,
    Refund,
    User,
)


@dataclass
class TracedSpending:
    """Part of a gift that paid for one published expenditure."""

    expenditure: Expenditure
    amount: int


@dataclass
class FundTrace:
    """Where a received gift went: "of your ¥200, ¥120 → rice (invoice), ¥80 not yet spent"."""

    net: int  # what the organization kept of the gift (after refunds and disputes)
    spent: list[TracedSpending]

    @property
    def unspent(self) -> int:
        return self.net - sum(part.amount for part in self.spent)


def donor_fund_trace(*, donation: Donation) -> FundTrace:
    """Three queries: the gift's net amount, its allocations with their expenditures, and those
    expenditures' receipts."""
    net = donation.ledger_entries.aggregate(total=Sum("amount"))["total"] or 0
    per_expenditure = {
        row["expenditure"]: row["total"]
        for row in donation.allocations.values("expenditure")
        .annotate(total=Sum("amount"))
        .filter(total__gt=0)
    }
    expenditures = (
        Expenditure.objects.filter(pk__in=per_expenditure)
        .prefetch_related("documents")
        .order_by("spent_on", "pk")
    )
    return FundTrace(
        net=max(net, 0),
        spent=[TracedSpending(e, per_expenditure[e.pk]) for e in expenditures],
    )


@dataclass
class DonorGift:
    """One gift as its donor sees it."""

    donation: Donation
    refunds: list[Refund] = field(default_factory=list)
    # The project's live public page in the reader's language, or None (general fund, no page).
    project_page: object | None = None
    trace: FundTrace | None = None

    @property
    def is_pending(self) -> bool:
        return self.donation.status == DonationStatus.PENDING

    @property
    def is_received(self) -> bool:
        return self.donation.status in RECEIVED_STATUSES

    @property
    def is_unsuccessful(self) -> bool:
        return self.donation.status in (DonationStatus.FAILED, DonationStatus.EXPIRED)

    @property
    def date(self):
        """When the money arrived; before that, when the gift was started."""
        return self.donation.received_at or self.donation.created_at

    @property
    def status_variant(self) -> str:
        """The badge variant (includes/badge.html) of the gift's status."""
        return _STATUS_VARIANTS.get(self.donation.status, "")

    @property
    def refunded_amount(self) -> int:
        return sum(r.amount for r in self.refunds if r.status == Refund.Status.SUCCEEDED)


_STATUS_VARIANTS = {
    DonationStatus.PENDING: "warning",
    DonationStatus.SUCCEEDED: "success",
    DonationStatus.PARTIALLY_REFUNDED: "primary",
    DonationStatus.DISPUTED: "accent",
}


def project_pages_by_project(*, project_ids, language_code: str) -> dict[int, object]:
    """One query (none without ids): each project's live public page in `language_code`."""
    from cms.models import CharityProjectPage

    ids = {pk for pk in project_ids if pk}
    if not ids:
        return {}
    pages = (
        CharityProjectPage.objects.live()
        .filter(project_id__in=ids, locale__language_code=language_code)
        .only("id", "path", "url_path", "title", "project_id", "locale_id")
        .order_by("path")
    )
    found: dict[int, object] = {}
    for page in pages:
        found.setdefault(page.project_id, page)
    return found


def donation_by_token(*, token: str, language_code: str) -> DonorGift:
    """Six queries at most (gift, refunds, project page, fund trace): the gift whose private link
    is `token`. Raises Donation.DoesNotExist for an unknown token."""
    donation = Donation.objects.select_related("organization", "project", "recurring_gift").get(
        guest_token=token
    )
    refunds = list(donation.refunds.order_by("created_at"))
    pages = project_pages_by_project(project_ids=[donation.project_id], language_code=language_code)
    trace = donor_fund_trace(donation=donation) if donation.received_at else None
    return DonorGift(
        donation=donation,
        refunds=refunds,
        project_page=pages.get(donation.project_id),
        trace=trace,
    )


def _verified_emails(user: User) -> QuerySet:
    return EmailAddress.objects.filter(user=user, verified=True).values(lower=Lower("email"))


def donations_for_user(*, user: User) -> QuerySet[Donation]:
    """One query when evaluated: the user's gifts, newest first. A gift is the user's when it was
    made signed in, or as a guest with one of the user's *verified* addresses (an unverified
    address proves nothing, so its gifts stay private)."""
    return (
        Donation.objects.alias(email_lower=Lower("donor_email"))
        .filter(Q(donor=user) | Q(email_lower__in=_verified_emails(user)))
        .select_related("organization", "project")
        # By the date the list shows: an offline gift is often recorded days after it arrived.
        .order_by(Coalesce("received_at", "created_at").desc(), "-pk")
    )


@dataclass
class GivingSummary:
    # [{"currency": "CNY", "amount": 123400, "gifts": 3}, …], largest first.
    totals: list[dict]
    organizations: int
    projects: int


def giving_summary_for_user(*, user: User) -> GivingSummary:
    """Three queries: what the user has given, per currency and after refunds, and to how many
    organizations and projects. Pending, failed and expired gifts never reached the organization
    and are left out."""
    received = donations_for_user(user=user).filter(status__in=RECEIVED_STATUSES).order_by()
    per_currency = received.values("currency").annotate(total=Sum("amount"), gifts=Count("pk"))
    refunded = (
        Refund.objects.filter(status=Refund.Status.SUCCEEDED, donation__in=received)
        .order_by()
        .values("donation__currency")
        .annotate(total=Sum("amount"))
    )
    back = defaultdict(int)
    for row in refunded:
        back[row["donation__currency"]] += row["total"]
    totals = [
        {
            "currency": row["currency"],
            "amount": row["total"] - back[row["currency"]],
            "gifts": row["gifts"],
        }
        for row in per_currency
    ]
    reach = received.aggregate(
        organizations=Count("organization", distinct=True),
        projects=Count("project", distinct=True),
    )
    return GivingSummary(
        totals=sorted(totals, key=lambda row: (-row["amount"], row["currency"])),
        organizations=reach["organizations"],
        projects=reach["projects"],
    )


def recurring_gifts_for_user(*, user: User) -> list[RecurringGift]:
    """Two queries: the user's monthly gifts (made signed in, or as a guest with a verified
    address), newest first, each with `.first_donation`, the first gift's private link holder.

    Only gifts made signed in may be stopped from "My donations" (the service checks the
    donor); a guest's monthly gift is stopped from its private link."""
    gifts = list(
        RecurringGift.objects.alias(email_lower=Lower("donor_email"))
        .filter(Q(donor=user) | Q(email_lower__in=_verified_emails(user)))
        .select_related("organization", "project")
        .order_by("-created_at", "-pk")
    )
    first: dict[int, Donation] = {}
    if gifts:
        for donation in (
            Donation.objects.filter(recurring_gift__in=gifts)
            .only("pk", "guest_token", "recurring_gift_id", "created_at")
            .order_by("created_at", "pk")
        ):
            first.setdefault(donation.recurring_gift_id, donation)
    for gift in gifts:
        gift.first_donation = first.get(gift.pk)
    return gifts
