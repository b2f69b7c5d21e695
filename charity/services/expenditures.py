"""Expenditures: entered by finance staff, approved by another person, published to the ledger,
and traced to the gifts that paid for them (oldest unspent gifts first).

Lock order, to stay clear of deadlocks with the donation paths: the fund's row (its project, or
its organization for the general fund), then the ledger head. Refunds lock their donation first
and then the fund; nothing locks the fund after the ledger head.
"""

import datetime

from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import audit_record, changes_between, snapshot
from ..exceptions import CharityError
from ..models import (
    Allocation,
    AuditAction,
    AuditObjectType,
    Donation,
    Expenditure,
    ExpenditureDocument,
    ExpenditureStatus,
    ExpenditureStatusChange,
    LedgerEntry,
    LedgerEntryKind,
    Organization,
    Project,
    User,
)
from ..permissions import require
from ..templatetags.money import format_money
from .ledger import Movement, ledger_append_many

EXPENDITURE_FIELDS = (
    "amount",
    "category",
    "beneficiary_group",
    "payee",
    "payee_is_individual",
    "purpose",
    "spent_on",
    "is_advance",
    "advance_reason",
)


def _lock_fund(*, organization_id: int, project_id: int | None) -> None:
    if project_id:
        Project.objects.select_for_update().filter(pk=project_id).first()
    else:
        Organization.objects.select_for_update().filter(pk=organization_id).first()


def fund_balance(*, organization_id: int, project_id: int | None, currency: str) -> int:
    """One query: what the fund holds, summed over the ledger (gifts in, refunds and spending out)."""
    return (
        LedgerEntry.objects.filter(
            organization_id=organization_id, project_id=project_id, currency=currency
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )


def _donations_with_unspent(*, organization_id, project_id, currency, exclude=()):
    """The fund's gifts that still hold unspent money, oldest first, with `unspent` annotated."""
    net = (
        LedgerEntry.objects.filter(donation=OuterRef("pk"))
        .values("donation")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    allocated = (
        Allocation.objects.filter(donation=OuterRef("pk"))
        .values("donation")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        Donation.objects.filter(
            organization_id=organization_id,
            project_id=project_id,
            currency=currency,
            received_at__isnull=False,
        )
        .exclude(pk__in=exclude)
        .annotate(
            net=Coalesce(Subquery(net), Value(0)),
            allocated=Coalesce(Subquery(allocated), Value(0)),
        )
        .filter(net__gt=F("allocated"))
        .order_by("received_at", "pk")
    )


def _allocate(expenditure: Expenditure, amount: int, *, exclude=()) -> int:
    """Allocate `amount` of `expenditure` to the fund's oldest unspent gifts; returns what no gift
    could cover."""
    rows = []
    for donation in _donations_with_unspent(
        organization_id=expenditure.organization_id,
        project_id=expenditure.project_id,
        currency=expenditure.currency,
        exclude=exclude,
    ).iterator():
        if amount <= 0:
            break
        share = min(amount, donation.net - donation.allocated)
        rows.append(Allocation(expenditure=expenditure, donation_id=donation.pk, amount=share))
        amount -= share
    Allocation.objects.bulk_create(rows)
    return amount


def _record_status(expenditure: Expenditure, *, from_status: str, actor: User) -> None:
    ExpenditureStatusChange.objects.create(
        expenditure=expenditure,
        from_status=from_status,
        to_status=expenditure.status,
        changed_by=actor,
    )


def _audit(actor: User, action: str, expenditure: Expenditure, changes: dict | None = None):
    audit_record(
        actor=actor,
        action=action,
        obj=expenditure,
        organization=expenditure.organization_id,
        object_type=AuditObjectType.EXPENDITURE,
        # The amount and date name it well enough; the payee may be a person.
        label=(
            f"#{expenditure.pk} {format_money(expenditure.amount, expenditure.currency)} "
            f"{expenditure.spent_on:%Y-%m-%d}"
        ),
        changes=changes,
    )


def _check_fund(organization: Organization, project: Project | None, currency: str) -> None:
    if project is not None and project.organization_id != organization.pk:
        raise CharityError(_("That project belongs to another organization."), code="project")
    if project is not None and currency != project.currency:
        raise CharityError(
            _("This project raises money in %(currency)s.") % {"currency": project.currency},
            code="currency",
        )


def expenditure_create(
    *,
    actor: User,
    organization: Organization,
    project: Project | None,
    currency: str,
    documents=(),
    **fields,
) -> Expenditure:
    """Finance staff enter a spending as a draft, with its receipts."""
    require(actor, "expenditure.create", organization)
    unknown = set(fields) - set(EXPENDITURE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown expenditure fields: {sorted(unknown)}")
    _check_fund(organization, project, currency)
    if fields.get("is_advance") and not fields.get("advance_reason", "").strip():
        raise CharityError(_("Give the reason for the advance."), code="advance_reason")
    expenditure = Expenditure(
        organization=organization,
        project=project,
        currency=currency,
        created_by=actor,
        **fields,
    )
    expenditure.full_clean()
    with transaction.atomic():
        expenditure.save()
        _record_status(expenditure, from_status="", actor=actor)
        saved = _save_documents(expenditure, documents)
        changes = changes_between(
            dict.fromkeys(("project", "currency", "status", *fields)), expenditure
        )
        if saved:
            changes["documents"] = [None, len(saved)]
        _audit(actor, AuditAction.EXPENDITURE_CREATE, expenditure, changes)
    return expenditure


def _save_documents(expenditure: Expenditure, documents) -> list[ExpenditureDocument]:
    return [
        ExpenditureDocument.objects.create(
            expenditure=expenditure, file=document, title=getattr(document, "name", "")
        )
        for document in documents
    ]


def expenditure_add_documents(
    *, actor: User, expenditure: Expenditure, documents
) -> list[ExpenditureDocument]:
    """Add receipts to a draft or approved expenditure (a receipt often arrives after the
    purchase). A published one is closed: its receipts were published with it."""
    require(actor, "expenditure.create", expenditure.organization)
    if not documents:
        raise CharityError(_("Choose at least one file."), code="documents")
    with transaction.atomic():
        expenditure = _lock(expenditure)
        if expenditure.status == ExpenditureStatus.PUBLISHED:
            raise CharityError(
                _("A published expenditure is closed; its receipts cannot change."),
                code="published",
            )
        saved = _save_documents(expenditure, documents)
        count = expenditure.documents.count()
        _audit(
            actor,
            AuditAction.EXPENDITURE_ADD_DOCUMENTS,
            expenditure,
            {"documents": [count - len(saved), count]},
        )
        return saved


def _lock(expenditure: Expenditure) -> Expenditure:
    return Expenditure.objects.select_for_update().get(pk=expenditure.pk)


def expenditure_update(*, actor: User, expenditure: Expenditure, **fields) -> Expenditure:
    """Change a draft (an approved one goes back to draft: it must be approved again)."""
    require(actor, "expenditure.create", expenditure.organization)
    unknown = set(fields) - set(EXPENDITURE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown expenditure fields: {sorted(unknown)}")
    with transaction.atomic():
        expenditure = _lock(expenditure)
        if expenditure.status == ExpenditureStatus.PUBLISHED:
            raise CharityError(
                _("A published expenditure cannot be changed; reverse it instead."),
                code="published",
            )
        previous_status = expenditure.status
        before = snapshot(expenditure, (*fields, "status"))
        for name, value in fields.items():
            setattr(expenditure, name, value)
        expenditure.status = ExpenditureStatus.DRAFT
        expenditure.approved_by = None
        expenditure.approved_at = None
        expenditure.full_clean()
        expenditure.save()
        if previous_status != ExpenditureStatus.DRAFT:
            _record_status(expenditure, from_status=previous_status, actor=actor)
        changes = changes_between(before, expenditure)
        if changes:  # saving the form unchanged is no change
            _audit(actor, AuditAction.EXPENDITURE_UPDATE, expenditure, changes)
    return expenditure


def expenditure_approve(*, actor: User, expenditure: Expenditure) -> Expenditure:
    """A second person with the finance role confirms a draft (four eyes)."""
    require(actor, "expenditure.approve", expenditure.organization)
    with transaction.atomic():
        expenditure = _lock(expenditure)
        if expenditure.created_by_id == actor.pk:
            raise CharityError(
                _("Another member of the finance team must approve what you entered."),
                code="four_eyes",
            )
        if expenditure.status != ExpenditureStatus.DRAFT:
            raise CharityError(_("Only a draft can be approved."), code="not_draft")
        expenditure.status = ExpenditureStatus.APPROVED
        expenditure.approved_by = actor
        expenditure.approved_at = timezone.now()
        expenditure.save(update_fields=["status", "approved_by", "approved_at"])
        _record_status(expenditure, from_status=ExpenditureStatus.DRAFT, actor=actor)
        _audit(
            actor,
            AuditAction.EXPENDITURE_APPROVE,
            expenditure,
            {"status": [ExpenditureStatus.DRAFT, ExpenditureStatus.APPROVED]},
        )
    return expenditure


def expenditure_publish(*, actor: User, expenditure: Expenditure) -> Expenditure:
    """An approved expenditure goes public: out of the fund in the ledger, traced to gifts.

    Refused when the fund holds less than it spends, unless it is marked as an advance.
    """
    require(actor, "expenditure.approve", expenditure.organization)
    with transaction.atomic():
        _lock_fund(organization_id=expenditure.organization_id, project_id=expenditure.project_id)
        expenditure = _lock(expenditure)
        if expenditure.status != ExpenditureStatus.APPROVED:
            raise CharityError(_("Only an approved expenditure can be published."), code="status")
        original = expenditure.reverses
        if original is None:
            balance = fund_balance(
                organization_id=expenditure.organization_id,
                project_id=expenditure.project_id,
                currency=expenditure.currency,
            )
            if expenditure.amount > balance and not expenditure.is_advance:
                raise CharityError(
                    _(
                        "The fund holds %(balance)s, less than this expenditure. Mark it as an "
                        "advance, with the reason, to publish it."
                    )
                    % {"balance": format_money(balance, expenditure.currency)},
                    code="overspend",
                )
        # Published rows are immutable from here on: this is the last save.
        Expenditure.objects.filter(pk=expenditure.pk).update(
            status=ExpenditureStatus.PUBLISHED, published_at=timezone.now()
        )
        expenditure.refresh_from_db()
        _record_status(expenditure, from_status=ExpenditureStatus.APPROVED, actor=actor)
        _audit(
            actor,
            AuditAction.EXPENDITURE_PUBLISH,
            expenditure,
            {"status": [ExpenditureStatus.APPROVED, ExpenditureStatus.PUBLISHED]},
        )
        occurred = timezone.make_aware(
            datetime.datetime.combine(expenditure.spent_on, datetime.time(12))
        )
        if original is None:
            ledger_append_many(
                movements=[
                    Movement(
                        kind=LedgerEntryKind.EXPENDITURE_PUBLISHED,
                        expenditure=expenditure,
                        amount=-expenditure.amount,
                        occurred_at=occurred,
                        memo=f"expenditure {expenditure.pk}",
                    )
                ]
            )
            _allocate(expenditure, expenditure.amount)
        else:
            ledger_append_many(
                movements=[
                    Movement(
                        kind=LedgerEntryKind.EXPENDITURE_REVERSED,
                        expenditure=expenditure,
                        amount=expenditure.amount,
                        occurred_at=occurred,
                        memo=f"reversal of expenditure {original.pk}",
                    )
                ]
            )
            # The reversed spending no longer uses anyone's gift.
            Allocation.objects.bulk_create(
                Allocation(expenditure=original, donation_id=row["donation"], amount=-row["total"])
                for row in original.allocations.values("donation")
                .annotate(total=Sum("amount"))
                .filter(total__gt=0)
            )
    return expenditure


def expenditure_reverse(*, actor: User, expenditure: Expenditure, reason: str) -> Expenditure:
    """A correction of a published expenditure: a draft that, once approved and published, puts
    its amount back into the fund. The original stays on the record."""
    require(actor, "expenditure.create", expenditure.organization)
    expenditure = Expenditure.objects.get(
        pk=expenditure.pk
    )  # as stored, not as the caller last saw it
    if expenditure.status != ExpenditureStatus.PUBLISHED or expenditure.reverses_id:
        raise CharityError(_("Only a published expenditure can be reversed."), code="status")
    if Expenditure.objects.filter(reverses=expenditure).exists():
        raise CharityError(_("This expenditure has already been reversed."), code="reversed")
    if not reason.strip():
        raise CharityError(_("Say why the expenditure is reversed."), code="reason")
    reversal = Expenditure(
        organization_id=expenditure.organization_id,
        project_id=expenditure.project_id,
        amount=expenditure.amount,
        currency=expenditure.currency,
        category=expenditure.category,
        beneficiary_group_id=expenditure.beneficiary_group_id,
        payee=expenditure.payee,
        payee_is_individual=expenditure.payee_is_individual,
        purpose=reason.strip()[:300],
        spent_on=timezone.localdate(),
        reverses=expenditure,
        created_by=actor,
    )
    reversal.full_clean()
    with transaction.atomic():
        reversal.save()
        _record_status(reversal, from_status="", actor=actor)
        # On the original: the entry an auditor finds when following the published one. The
        # reason is the reversal's purpose, published with it.
        _audit(
            actor,
            AuditAction.EXPENDITURE_REVERSE,
            expenditure,
            {"reversed_by": [None, reversal.pk], "purpose": [None, reversal.purpose]},
        )
    return reversal


def allocations_release_for_refund(*, donation: Donation) -> None:
    """After a refund or dispute took money back from a locked donation: if its spent part now
    exceeds what it holds, the newest allocations give the excess back, and those expenditures
    are paid from the fund's other unspent gifts instead (oldest first). A refund thus takes the
    unspent part of a gift first."""
    net = donation.ledger_entries.aggregate(total=Sum("amount"))["total"] or 0
    allocated = donation.allocations.aggregate(total=Sum("amount"))["total"] or 0
    excess = allocated - max(net, 0)
    if excess <= 0:
        return
    _lock_fund(organization_id=donation.organization_id, project_id=donation.project_id)
    per_expenditure = (
        donation.allocations.values("expenditure")
        .annotate(total=Sum("amount"))
        .filter(total__gt=0)
        .order_by("-expenditure")
    )
    for row in per_expenditure:
        if excess <= 0:
            break
        released = min(excess, row["total"])
        expenditure = Expenditure.objects.get(pk=row["expenditure"])
        Allocation.objects.create(expenditure=expenditure, donation=donation, amount=-released)
        excess -= released
        _allocate(expenditure, released, exclude=[donation.pk])


def unallocated_amount(*, expenditure: Expenditure) -> int:
    """The part of a published expenditure that no gift pays for (an advance)."""
    allocated = expenditure.allocations.aggregate(total=Sum("amount"))["total"] or 0
    if (
        expenditure.reverses_id
        or Expenditure.objects.filter(reverses=expenditure)
        .filter(Q(status=ExpenditureStatus.PUBLISHED))
        .exists()
    ):
        return 0
    return expenditure.amount - allocated
