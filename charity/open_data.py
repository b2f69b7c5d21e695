"""Open data: the public ledger chain, for anyone to download and verify without the platform.

Stable schema (one row per entry, in chain order): seq, kind, organization, project, donation,
expenditure, amount (signed minor units), currency, occurred_at, recorded_at (UTC, microseconds,
"Z"), memo, previous_hash, entry_hash. `static/open-data/verify_ledger.py` checks it.
"""

import csv

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from .models import LedgerEntry
from .models.ledger import _utc_iso

LEDGER_COLUMNS = (
    "seq",
    "kind",
    "organization",
    "project",
    "donation",
    "expenditure",
    "amount",
    "currency",
    "occurred_at",
    "recorded_at",
    "memo",
    "previous_hash",
    "entry_hash",
)
PAGE_SIZE = 1000


def _row(entry: LedgerEntry) -> dict:
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


def _cacheable(response):
    # The chain only grows; a minute's staleness is harmless and saves the database.
    patch_cache_control(response, public=True, max_age=60)
    return response


class _Echo:
    def write(self, value):
        return value


@require_GET
def ledger_csv(request):
    """The whole chain as CSV, streamed."""
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(LEDGER_COLUMNS)
        for entry in LedgerEntry.objects.order_by("seq").iterator(chunk_size=2000):
            row = _row(entry)
            yield writer.writerow(["" if row[c] is None else row[c] for c in LEDGER_COLUMNS])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="shanxin-ledger.csv"'
    return _cacheable(response)


@require_GET
def ledger_json(request):
    """The chain as JSON, PAGE_SIZE entries a page: {"count", "next", "results"}."""
    paginator = Paginator(LedgerEntry.objects.order_by("seq"), PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (EmptyPage, PageNotAnInteger):
        raise Http404("No such page of the ledger") from None
    next_url = (
        f"{reverse('open_data_ledger_json')}?page={page.next_page_number()}"
        if page.has_next()
        else None
    )
    response = JsonResponse(
        {
            "count": paginator.count,
            "next": next_url,
            "results": [_row(entry) for entry in page.object_list],
        },
        json_dumps_params={"ensure_ascii": False},
    )
    return _cacheable(response)
