"""Appending to the ledger and checking its chain."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ..models import GENESIS_HASH, Donation, Expenditure, LedgerEntry, LedgerHead
from ..signals import project_money_changed


@dataclass(frozen=True)
class Movement:
    """Money moved on a donation or by an expenditure: signed minor units in its currency
    (into the fund: +, out of it: −)."""

    kind: str
    amount: int
    donation: Donation | None = None
    expenditure: Expenditure | None = None
    occurred_at: datetime.datetime | None = None
    memo: str = ""

    @property
    def source(self):
        return self.donation if self.donation is not None else self.expenditure


def ledger_append_many(*, movements: list[Movement], batch_size: int = 2000) -> list[LedgerEntry]:
    """Append entries in the given order, each chained to the one before.

    Call inside the transaction that changes the donations: entries and changes commit or roll
    back together. Appends are serialised by a lock on the chain's head row; callers that also
    lock receipt counters take those first.
    """
    if any(movement.amount == 0 for movement in movements):
        raise ValueError("A ledger entry moves money.")
    if not movements:
        return []
    with transaction.atomic():
        LedgerHead.objects.get_or_create(pk=1)
        head = LedgerHead.objects.select_for_update().get(pk=1)
        now = timezone.now()
        seq, previous_hash = head.seq, head.entry_hash
        entries = []
        for movement in movements:
            seq += 1
            source = movement.source
            entry = LedgerEntry(
                seq=seq,
                kind=movement.kind,
                organization_id=source.organization_id,
                project_id=source.project_id,
                donation=movement.donation,
                expenditure=movement.expenditure,
                amount=movement.amount,
                currency=source.currency,
                occurred_at=movement.occurred_at or now,
                recorded_at=now,
                memo=movement.memo,
                previous_hash=previous_hash,
            )
            entry.entry_hash = previous_hash = entry.compute_hash()
            entries.append(entry)
        LedgerEntry.objects.bulk_create(entries, batch_size=batch_size)
        head.seq, head.entry_hash = seq, previous_hash
        head.save(update_fields=["seq", "entry_hash"])
        moved = {}
        for movement in movements:
            projects = moved.setdefault(movement.source.organization_id, set())
            if movement.source.project_id:
                projects.add(movement.source.project_id)

        def announce():
            for organization_id, project_ids in moved.items():
                project_money_changed.send(
                    sender=LedgerEntry,
                    organization_id=organization_id,
                    project_ids=sorted(project_ids),
                )

        transaction.on_commit(announce)
    return entries


def ledger_append(
    *, kind: str, donation: Donation, amount: int, occurred_at=None, memo: str = ""
) -> LedgerEntry:
    """Append one entry; see ledger_append_many."""
    movement = Movement(
        kind=kind, donation=donation, amount=amount, occurred_at=occurred_at, memo=memo
    )
    return ledger_append_many(movements=[movement])[0]


@dataclass
class LedgerCheck:
    entries: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def ledger_verify(*, batch_size: int = 5000) -> LedgerCheck:
    """Recompute every entry's hash and link, in order; report the first entry that is wrong."""
    previous_hash = GENESIS_HASH
    expected_seq = 1
    count = 0
    for entry in LedgerEntry.objects.order_by("seq").iterator(chunk_size=batch_size):
        count += 1
        if entry.seq != expected_seq:
            return LedgerCheck(count, previous_hash, expected_seq, "an entry is missing")
        if entry.previous_hash != previous_hash:
            return LedgerCheck(
                count, previous_hash, entry.seq, "it does not link to the entry before it"
            )
        if entry.compute_hash() != entry.entry_hash:
            return LedgerCheck(
                count, previous_hash, entry.seq, "its contents do not match its hash"
            )
        previous_hash = entry.entry_hash
        expected_seq += 1
    head = LedgerHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.entry_hash) != (count, previous_hash):
        return LedgerCheck(count, previous_hash, count + 1, "entries after it are missing")
    return LedgerCheck(count, previous_hash)
