"""Appending to the ledger and checking its chain."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ..models import GENESIS_HASH, Donation, LedgerEntry, LedgerHead
from ..signals import project_money_changed


def ledger_append(
    *,
    kind: str,
    donation: Donation,
    amount: int,
    occurred_at=None,
    memo: str = "",
) -> LedgerEntry:
    """Append one entry for money moved on `donation` (signed minor units, in its currency).

    Call inside the transaction that changes the donation: the entry and the change commit or
    roll back together. Appends are serialised by a lock on the chain's head row.
    """
    if amount == 0:
        raise ValueError("A ledger entry moves money.")
    with transaction.atomic():
        LedgerHead.objects.get_or_create(pk=1)
        head = LedgerHead.objects.select_for_update().get(pk=1)
        now = timezone.now()
        entry = LedgerEntry(
            seq=head.seq + 1,
            kind=kind,
            organization_id=donation.organization_id,
            project_id=donation.project_id,
            donation=donation,
            amount=amount,
            currency=donation.currency,
            occurred_at=occurred_at or now,
            recorded_at=now,
            memo=memo,
            previous_hash=head.entry_hash,
        )
        # The stored timestamps lose nothing the hash covers: microseconds, UTC.
        entry.entry_hash = entry.compute_hash()
        entry.save()
        head.seq, head.entry_hash = entry.seq, entry.entry_hash
        head.save(update_fields=["seq", "entry_hash"])
        project_ids = [donation.project_id] if donation.project_id else []
        transaction.on_commit(
            lambda: project_money_changed.send(
                sender=LedgerEntry,
                organization_id=donation.organization_id,
                project_ids=project_ids,
            )
        )
    return entry


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
