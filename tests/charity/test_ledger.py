"""The ledger is append-only and hash-chained; any tampering is found and named."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from charity import services
from charity.models import (
    GENESIS_HASH,
    AppendOnlyError,
    DonationStatus,
    LedgerEntry,
    LedgerEntryKind,
)
from charity.selectors import project_totals
from tests.factories import DonationFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def append(donation, amount, kind=LedgerEntryKind.DONATION_RECEIVED):
    return services.ledger_append(kind=kind, donation=donation, amount=amount)


def test_entries_chain_to_each_other_from_the_genesis_hash():
    donation = DonationFactory()
    first, second = append(donation, 100), append(donation, -40, LedgerEntryKind.DONATION_REFUNDED)
    assert (first.seq, second.seq) == (1, 2)
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.entry_hash
    assert second.entry_hash == second.compute_hash()
    check = services.ledger_verify()
    assert check.ok
    assert (check.entries, check.head_hash) == (2, second.entry_hash)


def test_entries_cannot_be_changed_or_deleted_through_the_orm():
    entry = append(DonationFactory(), 100)
    entry.amount = 1
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=1)
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == 100


@pytest.mark.parametrize(
    ("column", "value"), [("amount", 999_999), ("memo", "moved"), ("previous_hash", "0" * 64)]
)
def test_a_row_changed_behind_the_orms_back_is_named_by_verify_ledger(column, value):
    donation = DonationFactory()
    entries = [append(donation, amount) for amount in (100, 200, 300)]
    call_command("verify_ledger")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE charity_ledgerentry SET {column} = %s WHERE id = %s",  # noqa: S608
            [value, entries[1].pk],
        )
    with pytest.raises(CommandError, match="Ledger entry 2 is bad"):
        call_command("verify_ledger")


def test_a_deleted_last_row_is_found():
    donation = DonationFactory()
    entries = [append(donation, amount) for amount in (100, 200)]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM charity_ledgerentry WHERE id = %s", [entries[-1].pk])
    check = services.ledger_verify()
    assert not check.ok
    assert check.first_bad_seq == 2


def test_a_project_raises_what_its_ledger_sums_to():
    project = ProjectFactory()
    alice = DonationFactory(project=project, donor_key="email:alice@example.com")
    bob = DonationFactory(project=project, donor_key="email:bob@example.com")
    again = DonationFactory(project=project, donor_key="email:alice@example.com")
    for gift in (alice, bob, again):
        append(gift, gift.amount)
    append(bob, -bob.amount, LedgerEntryKind.DONATION_REFUNDED)
    bob.status = DonationStatus.REFUNDED
    bob.save(update_fields=["status"])
    totals = project_totals(projects=[project])[project.pk]
    assert totals.raised == alice.amount + again.amount
    assert totals.donors == 1  # Alice twice; Bob got all his money back


class TestLedgerProperties(TestCase):
    @settings(max_examples=25, deadline=None)
    @given(st.lists(st.integers(min_value=-50_000, max_value=50_000).filter(bool), max_size=12))
    def test_any_sequence_of_movements_verifies_and_sums(self, amounts):
        project = ProjectFactory()
        donation = DonationFactory(project=project)
        for amount in amounts:
            append(donation, amount)
        assert services.ledger_verify().ok
        assert project_totals(projects=[project])[project.pk].raised == sum(amounts)
