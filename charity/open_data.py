"""Open data: the platform's public records as files anyone may download, reuse and check.

Each dataset has a stable schema (OPEN_DATASETS, documented on /open-data/): a column's name, type
and meaning never change; new columns may be added at the end. Every dataset is served two ways:
CSV, the whole dataset streamed in one file, and JSON, PAGE_SIZE rows a page as
{"count", "next", "results"}. Amounts are integer minor units (fen for CNY) with the row's
ISO 4217 currency; times are UTC ISO 8601 with "Z". Nothing here names an anonymous donor, shows
an email address, or shows an individual beneficiary's full name.

The ledger is the chain itself (see static/open-data/verify_ledger.py, which checks it).
"""

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from .models import (
    RECEIVED_STATUSES,
    Donation,
    Expenditure,
    ExpenditureDocument,
    ExpenditureStatus,
    LedgerEntry,
    ReportStatus,
    TransparencyReport,
)
from .models.ledger import _utc_iso
from .selectors import public_projects
from .spreadsheets import streamed_csv

PAGE_SIZE = 1000
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # integer, string, date, datetime, boolean, list
    description: str


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    queryset: Callable[[], QuerySet]
    row: Callable[[object], dict]
    max_age: int = 60  # seconds a cache may keep a download

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


def _amount(description) -> Column:
    return Column("amount", "integer", description)


_CURRENCY = Column(
    "currency", "string", _("ISO 4217 code of the amounts in the row (CNY, HKD, USD).")
)
_ORGANIZATION = Column("organization", "integer", _("Id of the organization."))
_PROJECT = Column("project", "integer", _("Id of the project; empty for the general fund."))


def _china_date(moment) -> str:
    """A day as people in China count it (donation dates are published to the day only)."""
    return moment.astimezone(zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)).date().isoformat()


# --- The ledger -------------------------------------------------------------------------------


def _ledger_row(entry: LedgerEntry) -> dict:
    return {
        "seq": entry.seq,
        "kind": entry.kind,
        "organization": entry.organization_id,
        "project": entry.project_id,
        "donation": entry.donation_id,
        "expenditure": entry.expenditure_id,
        "amount": entry.amount,
        "currency": entry.currency,
        "occurred_at": _utc_iso(entry.occurred_at),
        "recorded_at": _utc_iso(entry.recorded_at),
        "memo": entry.memo,
        "previous_hash": entry.previous_hash,
        "entry_hash": entry.entry_hash,
    }


LEDGER = Dataset(
    name="ledger",
    title=_("Ledger"),
    description=_(
        "Every money movement in the order it was recorded: gifts received, refunds, disputes, "
        "published expenditures and their reversals. Each entry carries the SHA-256 hash of the "
        "one before it, so changing, removing or reordering any entry breaks the chain."
    ),
    columns=(
        Column("seq", "integer", _("Position in the chain, from 1, without gaps.")),
        Column(
            "kind",
            "string",
            _(
                "donation_received, donation_refunded, donation_disputed, "
                "expenditure_published or expenditure_reversed."
            ),
        ),
        _ORGANIZATION,
        _PROJECT,
        Column("donation", "integer", _("Id of the donation, for gifts, refunds and disputes.")),
        Column("expenditure", "integer", _("Id of the expenditure, for spending and reversals.")),
        _amount(_("Signed amount in minor units (fen): money in is positive, money out negative.")),
        _CURRENCY,
        Column("occurred_at", "datetime", _("When the movement happened (UTC).")),
        Column("recorded_at", "datetime", _("When the platform recorded it (UTC).")),
        Column("memo", "string", _("A short note.")),
        Column("previous_hash", "string", _("entry_hash of the entry before (64 zeros first).")),
        Column("entry_hash", "string", _("SHA-256 of this entry's canonical serialisation.")),
    ),
    queryset=lambda: LedgerEntry.objects.order_by("seq"),
    row=_ledger_row,
)
# The chain's columns, in order; the verifier and `manage.py verify_ledger` read these.
LEDGER_COLUMNS = LEDGER.column_names


# --- Projects ---------------------------------------------------------------------------------


def _ledger_sum(**filters):
    return Coalesce(
        Subquery(
            LedgerEntry.objects.filter(project=OuterRef("pk"), **filters)
            .values("project")
            .annotate(total=Sum("amount"))
            .values("total")
        ),
        Value(0),
    )


def _projects():
    return (
        public_projects()
        .select_related("organization")
        .prefetch_related("beneficiary_groups")
        .annotate(
            raised_total=_ledger_sum(donation__isnull=False),
            spent_total=_ledger_sum(expenditure__isnull=False),
        )
        .order_by("pk")
    )


def _project_row(project) -> dict:
    return {
        "id": project.pk,
        "organization": project.organization_id,
        "organization_name": project.organization.name,
        "title": project.title,
        "status": project.status,
        "region": project.region,
        "beneficiary_groups": sorted(group.code for group in project.beneficiary_groups.all()),
        "currency": project.currency,
        "goal_amount": project.goal_amount,
        "raised": project.raised_total,
        "spent": -project.spent_total,
        "balance": project.raised_total + project.spent_total,
        "fundraising_starts_at": _utc_iso(project.fundraising_starts_at),
        "fundraising_ends_at": _utc_iso(project.fundraising_ends_at),
    }


PROJECTS = Dataset(
    name="projects",
    title=_("Projects"),
    description=_(
        "Every public project (of a verified organization, past its draft) with its goal and "
        "its money as the ledger sums it."
    ),
    columns=(
        Column("id", "integer", _("Id of the project.")),
        _ORGANIZATION,
        Column("organization_name", "string", _("Name of the organization.")),
        Column("title", "string", _("Title of the project.")),
        Column("status", "string", _("fundraising, closed or completed.")),
        Column("region", "string", _("Administrative division code (GB/T 2260), or empty.")),
        Column(
            "beneficiary_groups",
            "list",
            _("Codes of the groups it helps (in CSV: separated by spaces)."),
        ),
        _CURRENCY,
        Column("goal_amount", "integer", _("Fundraising goal in minor units (fen).")),
        Column(
            "raised",
            "integer",
            _("Gifts received in minor units (fen), net of refunds and disputes."),
        ),
        Column(
            "spent",
            "integer",
            _("Published spending in minor units (fen), net of reversals."),
        ),
        Column("balance", "integer", _("raised − spent, in minor units (fen).")),
        Column("fundraising_starts_at", "datetime", _("When fundraising opens (UTC).")),
        Column("fundraising_ends_at", "datetime", _("When fundraising closes (UTC).")),
    ),
    queryset=_projects,
    row=_project_row,
)


# --- Expenditures -----------------------------------------------------------------------------


def _expenditures():
    return (
        Expenditure.objects.filter(status=ExpenditureStatus.PUBLISHED)
        .prefetch_related(Prefetch("documents", ExpenditureDocument.objects.order_by("pk")))
        .order_by("pk")
    )


def _expenditure_row(expenditure) -> dict:
    return {
        "id": expenditure.pk,
        "organization": expenditure.organization_id,
        "project": expenditure.project_id,
        "amount": expenditure.amount,
        "currency": expenditure.currency,
        "category": expenditure.category,
        "beneficiary_group": expenditure.beneficiary_group_id or "",
        "payee": expenditure.public_payee,
        "payee_is_individual": expenditure.payee_is_individual,
        "purpose": expenditure.purpose,
        "spent_on": expenditure.spent_on.isoformat(),
        "is_advance": expenditure.is_advance,
        "advance_reason": expenditure.advance_reason,
        "reverses": expenditure.reverses_id,
        "published_at": _utc_iso(expenditure.published_at),
        "receipts": [document.file.url for document in expenditure.documents.all()],
    }


EXPENDITURES = Dataset(
    name="expenditures",
    title=_("Expenditures"),
    description=_(
        "Every published expenditure with its receipts. A correction is a later row that "
        "reverses an earlier one; the earlier row stays."
    ),
    columns=(
        Column("id", "integer", _("Id of the expenditure.")),
        _ORGANIZATION,
        _PROJECT,
        _amount(_("Amount spent in minor units (fen); a reversal gives it back to the fund.")),
        _CURRENCY,
        Column(
            "category", "string", _("program (charitable activity), management or fundraising.")
        ),
        Column("beneficiary_group", "string", _("Code of the group it served, or empty.")),
        Column(
            "payee",
            "string",
            _("Who was paid; an individual beneficiary's name keeps only its first character."),
        ),
        Column("payee_is_individual", "boolean", _("Whether the payee is an individual person.")),
        Column("purpose", "string", _("What the money was for.")),
        Column("spent_on", "date", _("Date of the expenditure.")),
        Column("is_advance", "boolean", _("Paid ahead of gifts, by the organization.")),
        Column("advance_reason", "string", _("Why it was advanced.")),
        Column("reverses", "integer", _("Id of the expenditure this row reverses, or empty.")),
        Column("published_at", "datetime", _("When it was published (UTC).")),
        Column(
            "receipts",
            "list",
            _("Addresses of the receipts and invoices (in CSV: separated by spaces)."),
        ),
    ),
    queryset=_expenditures,
    row=_expenditure_row,
)


# --- Donations --------------------------------------------------------------------------------


def _donations():
    return (
        Donation.objects.filter(status__in=RECEIVED_STATUSES, received_at__isnull=False)
        .only(
            "pk",
            "organization_id",
            "project_id",
            "amount",
            "currency",
            "channel",
            "frequency",
            "status",
            "received_at",
            "donor_name",
            "is_anonymous",
        )
        .order_by("pk")
    )


def _donation_row(donation) -> dict:
    return {
        "id": donation.pk,
        "organization": donation.organization_id,
        "project": donation.project_id,
        "amount": donation.amount,
        "currency": donation.currency,
        "channel": donation.channel,
        "frequency": donation.frequency,
        "status": donation.status,
        "received_on": _china_date(donation.received_at),
        # The name the donor chose to show with the gift; nothing else about them.
        "donor": ANONYMOUS
        if donation.is_anonymous or not donation.donor_name
        else donation.donor_name,
    }


DONATIONS = Dataset(
    name="donations",
    title=_("Donations"),
    description=_(
        "Every gift the platform received (later refunds and disputes show in its status and in "
        "the ledger). A donor appears only by the name they chose to show with their gift, or as "
        '"anonymous"; no email, message, address or receipt number is published.'
    ),
    columns=(
        Column("id", "integer", _("Id of the donation (the ledger's donation column).")),
        _ORGANIZATION,
        _PROJECT,
        _amount(_("Amount given in minor units (fen), before any refund.")),
        _CURRENCY,
        Column("channel", "string", _("online, bank_transfer, cash or imported.")),
        Column("frequency", "string", _("once or monthly.")),
        Column(
            "status",
            "string",
            _("succeeded, partially_refunded, refunded or disputed."),
        ),
        Column("received_on", "date", _("Day it was received, in China time.")),
        Column("donor", "string", _('The donor\'s chosen public name, or "anonymous".')),
    ),
    queryset=_donations,
    row=_donation_row,
)

OPEN_DATASETS = {dataset.name: dataset for dataset in (PROJECTS, EXPENDITURES, DONATIONS, LEDGER)}


# --- Views ------------------------------------------------------------------------------------


def _cacheable(response, max_age: int):
    from django.utils.cache import patch_cache_control

    # Records only grow; a minute's staleness is harmless and saves the database.
    patch_cache_control(response, public=True, max_age=max_age)
    return response


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _dataset(name: str) -> Dataset:
    try:
        return OPEN_DATASETS[name]
    except KeyError:
        raise Http404("No such dataset") from None


@require_GET
def dataset_csv(request, name):
    """The whole dataset as CSV, streamed (memory stays flat however many rows)."""
    dataset = _dataset(name)
    columns = dataset.column_names

    def rows():
        yield columns
        for item in dataset.queryset().iterator(chunk_size=2000):
            row = dataset.row(item)
            yield [_csv_cell(row[c]) for c in columns]

    response = streamed_csv(rows(), filename=f"shanxin-{dataset.name}.csv")
    return _cacheable(response, dataset.max_age)


@require_GET
def dataset_json(request, name):
    """The dataset as JSON, PAGE_SIZE rows a page: {"count", "next", "results"}."""
    dataset = _dataset(name)
    paginator = Paginator(dataset.queryset(), PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (EmptyPage, PageNotAnInteger):
        raise Http404("No such page of the dataset") from None
    next_url = (
        f"{reverse('open_data_json', args=[dataset.name])}?page={page.next_page_number()}"
        if page.has_next()
        else None
    )
    response = JsonResponse(
        {
            "count": paginator.count,
            "next": next_url,
            "results": [dataset.row(item) for item in page.object_list],
        },
        json_dumps_params={"ensure_ascii": False},
    )
    return _cacheable(response, dataset.max_age)


REPORT_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


@require_GET
def report_download(request, pk, fmt):
    """A published transparency report as CSV, XLSX or JSON (drafts do not exist here)."""
    from .services import report_export

    if fmt not in REPORT_CONTENT_TYPES:
        raise Http404("No such format")
    report = get_object_or_404(TransparencyReport, pk=pk, status=ReportStatus.PUBLISHED)
    response = HttpResponse(
        report_export(report=report, fmt=fmt), content_type=REPORT_CONTENT_TYPES[fmt]
    )
    name = f"shanxin-report-{report.organization_id}-{report.period_start}-{report.period_end}"
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    # A published report never changes.
    return _cacheable(response, 24 * 3600)


@require_GET
def index(request):
    """What can be downloaded, each dataset's schema, and how to check the ledger."""
    datasets = [
        {
            "dataset": dataset,
            "csv_url": reverse("open_data_csv", args=[dataset.name]),
            "json_url": reverse("open_data_json", args=[dataset.name]),
        }
        for dataset in OPEN_DATASETS.values()
    ]
    response = render(
        request,
        "charity/open_data.html",
        {"datasets": datasets, "page_size": PAGE_SIZE, "verifier_url": VERIFIER_URL},
    )
    return _cacheable(response, 3600)


VERIFIER_URL = settings.STATIC_URL + "open-data/verify_ledger.py"
