"""Spending: four eyes, the ledger, immutability, reversals and tracing to the gifts that paid."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from charity import services
from charity.exceptions import CharityError
from charity.models import (
    Allocation,
    DonationChannel,
    ExpenditureStatus,
    LedgerEntry,
    LedgerEntryKind,
    PublishedExpenditureError,
    Role,
)
from charity.selectors import project_totals
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def finance_of(organization):
    return MembershipFactory(organization=organization, role=Role.FINANCE, user=UserFactory()).user


def give(project, amount, *, days_ago=10, actor=None):
    from django.utils import timezone

    actor = actor or finance_of(project.organization)
    return services.donation_record_offline(
        actor=actor,
        organization=project.organization,
        project=project,
        amount=amount,
        currency=project.currency,
        channel=DonationChannel.BANK_TRANSFER,
        received_at=timezone.now() - days_ago * DAY,
        donor_name=f"donor {amount}",
    )


def spend(project, amount, *, creator, approver, **fields):
    expenditure = services.expenditure_create(
        actor=creator,
        organization=project.organization,
        project=project,
        currency=project.currency,
        amount=amount,
        category=fields.pop("category", "program"),
        payee=fields.pop("payee", "成都粮油公司"),
        purpose=fields.pop("purpose", "大米 600 公斤"),
        spent_on=fields.pop("spent_on", datetime.date(2026, 11, 1)),
        **fields,
    )
    services.expenditure_approve(actor=approver, expenditure=expenditure)
    return services.expenditure_publish(actor=approver, expenditure=expenditure)


@pytest.fixture(autouse=True)
def _english():
    """The services' messages in English, so that tests can match them."""
    with translation.override("en"):
        yield


@pytest.fixture
def project():
    return ProjectFactory()


@pytest.fixture
def team(project):
    return finance_of(project.organization), finance_of(project.organization)


def allocations(expenditure):
    return {
        row["donation"]: row["total"]
        for row in Allocation.objects.filter(expenditure=expenditure)
        .values("donation")
        .annotate(total=Sum("amount"))
    }


def test_the_person_who_entered_it_cannot_approve_it(project, team):
    clerk, colleague = team
    give(project, 50_000)
    expenditure = services.expenditure_create(
        actor=clerk,
        organization=project.organization,
        project=project,
        currency="CNY",
        amount=12_000_00 // 100,
        category="program",
        payee="粮油公司",
        purpose="大米",
        spent_on=datetime.date(2026, 11, 1),
    )
    with pytest.raises(CharityError, match="Another member"):
        services.expenditure_approve(actor=clerk, expenditure=expenditure)
    expenditure.refresh_from_db()
    assert expenditure.status == ExpenditureStatus.DRAFT
    with pytest.raises(CharityError):
        services.expenditure_publish(actor=colleague, expenditure=expenditure)  # not approved
    services.expenditure_approve(actor=colleague, expenditure=expenditure)
    services.expenditure_publish(actor=clerk, expenditure=expenditure)
    expenditure.refresh_from_db()
    assert expenditure.status == ExpenditureStatus.PUBLISHED


def test_editors_and_other_organizations_cannot_enter_spending(project, member_of):
    for outsider in (
        member_of(project.organization, Role.EDITOR),
        finance_of(ProjectFactory().organization),
    ):
        with pytest.raises(PermissionDenied):
            services.expenditure_create(
                actor=outsider,
                organization=project.organization,
                project=project,
                currency="CNY",
                amount=100,
                category="program",
                payee="x",
                purpose="x",
                spent_on=datetime.date(2026, 11, 1),
            )


def test_publishing_spends_from_the_ledger_oldest_gifts_first(project, team):
    clerk, colleague = team
    old, newer = give(project, 20_000, days_ago=20), give(project, 30_000, days_ago=5)
    expenditure = spend(project, 25_000, creator=clerk, approver=colleague)
    entry = LedgerEntry.objects.get(expenditure=expenditure)
    assert (entry.kind, entry.amount) == (LedgerEntryKind.EXPENDITURE_PUBLISHED, -25_000)
    assert allocations(expenditure) == {old.pk: 20_000, newer.pk: 5_000}
    totals = project_totals(projects=[project])[project.pk]
    assert (totals.raised, totals.spent, totals.balance) == (50_000, 25_000, 25_000)
    assert services.ledger_verify().ok


def test_spending_more_than_the_fund_holds_needs_an_advance_with_a_reason(project, team):
    clerk, colleague = team
    gift = give(project, 10_000)
    with pytest.raises(CharityError, match="advance"):
        spend(project, 15_000, creator=clerk, approver=colleague)
    assert not LedgerEntry.objects.filter(expenditure__isnull=False).exists()
    with pytest.raises(CharityError):  # an advance without its reason
        spend(project, 15_000, creator=clerk, approver=colleague, is_advance=True)
    advance = spend(
        project,
        15_000,
        creator=clerk,
        approver=colleague,
        is_advance=True,
        advance_reason="寒潮提前采购",
    )
    assert allocations(advance) == {gift.pk: 10_000}
    assert services.unallocated_amount(expenditure=advance) == 5_000
    assert project_totals(projects=[project])[project.pk].balance == -5_000


def test_a_published_expenditure_never_changes(project, team):
    clerk, colleague = team
    give(project, 10_000)
    expenditure = spend(project, 1_000, creator=clerk, approver=colleague)
    expenditure.amount = 1
    with pytest.raises(PublishedExpenditureError):
        expenditure.save()
    with pytest.raises(PublishedExpenditureError):
        expenditure.delete()
    with pytest.raises(CharityError, match="reverse"):
        services.expenditure_update(actor=clerk, expenditure=expenditure, amount=5)
    expenditure.refresh_from_db()
    assert expenditure.amount == 1_000


def test_a_reversal_puts_the_money_back_and_frees_the_gifts(project, team):
    clerk, colleague = team
    gift = give(project, 10_000)
    original = spend(project, 4_000, creator=clerk, approver=colleague)
    reversal = services.expenditure_reverse(
        actor=clerk, expenditure=original, reason="发票重复录入"
    )
    assert reversal.status == ExpenditureStatus.DRAFT
    with pytest.raises(CharityError, match="already"):
        services.expenditure_reverse(actor=clerk, expenditure=original, reason="again")
    services.expenditure_approve(actor=colleague, expenditure=reversal)
    services.expenditure_publish(actor=colleague, expenditure=reversal)
    assert LedgerEntry.objects.get(expenditure=reversal).amount == 4_000
    assert allocations(original) == {gift.pk: 0}
    totals = project_totals(projects=[project])[project.pk]
    assert (totals.spent, totals.balance) == (0, 10_000)
    original.refresh_from_db()
    assert original.status == ExpenditureStatus.PUBLISHED  # still on the record


def test_a_refund_takes_the_unspent_part_of_a_gift_first(project, team):
    clerk, colleague = team
    first, second = give(project, 20_000, days_ago=20), give(project, 20_000, days_ago=5)
    expenditure = spend(project, 12_000, creator=clerk, approver=colleague)
    assert allocations(expenditure) == {first.pk: 12_000}
    # ¥50 back from the first gift: its ¥80 unspent covers it, the purchase stays on it.
    services.donation_refund(actor=clerk, donation=first, amount=5_000)
    assert allocations(expenditure) == {first.pk: 12_000}
    # ¥100 more back: only ¥50 of the gift is left, so ¥70 of the purchase moves to the second gift.
    services.donation_refund(actor=clerk, donation=first, amount=10_000)
    assert allocations(expenditure) == {first.pk: 5_000, second.pk: 7_000}


class TestFundTracingProperties(TestCase):
    @settings(max_examples=20, deadline=None)
    @given(
        gifts=st.lists(st.integers(min_value=100, max_value=50_000), min_size=1, max_size=6),
        spending=st.lists(st.integers(min_value=100, max_value=60_000), max_size=5),
        refunds=st.lists(st.tuples(st.integers(0, 5), st.integers(1, 100)), max_size=4),
    )
    def test_allocations_never_exceed_what_a_gift_holds(self, gifts, spending, refunds):
        project = ProjectFactory()
        clerk, colleague = finance_of(project.organization), finance_of(project.organization)
        donations = [
            give(project, amount, days_ago=30 - i, actor=clerk) for i, amount in enumerate(gifts)
        ]
        expenditures = []
        for amount in spending:
            expenditures.append(
                spend(
                    project,
                    amount,
                    creator=clerk,
                    approver=colleague,
                    is_advance=True,
                    advance_reason="test",
                )
            )
        for index, percent in refunds:
            donation = donations[index % len(donations)]
            donation.refresh_from_db()
            refunded = -(
                donation.ledger_entries.filter(kind=LedgerEntryKind.DONATION_REFUNDED).aggregate(
                    total=Sum("amount")
                )["total"]
                or 0
            )
            amount = (donation.amount - refunded) * percent // 100
            if amount >= 1 and donation.status in ("succeeded", "partially_refunded"):
                with transaction.atomic():
                    services.donation_refund(actor=clerk, donation=donation, amount=amount)
        for donation in donations:
            net = donation.ledger_entries.aggregate(total=Sum("amount"))["total"]
            allocated = donation.allocations.aggregate(total=Sum("amount"))["total"] or 0
            assert 0 <= allocated <= net
        for expenditure in expenditures:
            allocated = expenditure.allocations.aggregate(total=Sum("amount"))["total"] or 0
            assert (
                allocated + services.unallocated_amount(expenditure=expenditure)
                == expenditure.amount
            )
        # Oldest first: a gift is drawn on only when every older gift is fully spent.
        spent_out = [
            (d.allocations.aggregate(total=Sum("amount"))["total"] or 0)
            == d.ledger_entries.aggregate(total=Sum("amount"))["total"]
            for d in donations
        ]
        touched = [bool(d.allocations.exists()) for d in donations]
        if not refunds:
            for i, was_touched in enumerate(touched):
                if was_touched:
                    assert all(spent_out[:i])
        assert services.ledger_verify().ok


def test_the_donor_sees_which_purchase_their_gift_paid_for(client, project, team):
    clerk, colleague = team
    gift = give(project, 20_000, days_ago=20)
    give(project, 50_000, days_ago=2)
    spend(
        project,
        12_000,
        creator=clerk,
        approver=colleague,
        purpose="大米 600 公斤",
        payee="张三丰",
        payee_is_individual=True,
    )
    page = client.get(f"/zh-hans/donations/{gift.guest_token}/").content.decode()
    assert "大米 600 公斤" in page
    assert "¥120" in page  # of the ¥200, ¥120 bought rice
    assert "¥80" in page  # and ¥80 is not yet spent
    assert "张**" in page
    assert "张三丰" not in page  # an individual payee is masked
