"""Importing offline gifts from CSV/XLSX: all or nothing, every bad row reported by its line."""

import csv
import datetime
import io

import pytest
import tablib
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from charity import services
from charity.exceptions import CharityError
from charity.models import (
    Donation,
    DonationChannel,
    DonationStatus,
    DonationStatusChange,
    LedgerEntry,
    LedgerEntryKind,
    Role,
)
from charity.resources import donations_export, offline_donations_import
from tests.factories import OrganizationFactory, ProjectFactory

pytestmark = pytest.mark.django_db

HEADER = ["date received", "amount", "currency", "channel", "bank reference", "donor name"]
HEADER += ["donor email", "anonymous", "project", "message"]


def csv_bytes(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _english():
    """The messages asserted on are the English source texts."""
    with translation.override("en"):
        yield


@pytest.fixture
def finance(organization, member_of):
    return member_of(organization, Role.FINANCE)


def run(actor, organization, content, filename="gifts.csv", commit=True):
    return offline_donations_import(
        actor=actor, organization=organization, content=content, filename=filename, commit=commit
    )


def test_a_good_csv_is_recorded_in_fen_with_receipts_and_ledger_entries(
    organization, finance, django_capture_on_commit_callbacks
):
    project = ProjectFactory(organization=organization, title="Winter coats")
    content = csv_bytes(
        [
            [
                "2025-03-01",
                "200",
                "",
                "bank_transfer",
                "ICBC-1",
                "张三",
                "z@example.com",
                "no",
                "",
                "",
            ],
            [
                "2025/03/02",
                "200.50",
                "CNY",
                "银行转账",
                "ICBC-2",
                "",
                "",
                "是",
                "Winter coats",
                "加油",
            ],
            ["2025-03-03 14:30", "1,200.05", "cny", "现金", "", "", "", "", str(project.pk), ""],
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = run(finance, organization, content)
    assert result.check.errors == []
    donations = list(Donation.objects.order_by("pk"))
    assert [d.amount for d in donations] == [20_000, 20_050, 120_005]
    assert [d.channel for d in donations] == ["bank_transfer", "bank_transfer", "cash"]
    assert [d.project for d in donations] == [None, project, project]
    assert [d.is_anonymous for d in donations] == [False, True, False]
    assert all(d.status == DonationStatus.SUCCEEDED for d in donations)
    assert all(d.recorded_by == finance for d in donations)
    assert donations[2].bank_reference is None
    # Dates are China's: 14:30 in Shanghai is 06:30 UTC; a bare date is noon there.
    assert donations[2].received_at == datetime.datetime(2025, 3, 3, 6, 30, tzinfo=datetime.UTC)
    assert donations[0].received_at == datetime.datetime(2025, 3, 1, 4, 0, tzinfo=datetime.UTC)
    # Gap-free receipt numbers of the organization's year, in the file's order.
    assert [d.receipt_number for d in donations] == [
        f"2025-{organization.pk:04d}-{n:06d}" for n in (1, 2, 3)
    ]
    assert donations[1].donor_key == f"gift:{donations[1].pk}"
    entries = list(LedgerEntry.objects.order_by("seq"))
    assert [(e.donation_id, e.amount, e.kind) for e in entries] == [
        (d.pk, d.amount, LedgerEntryKind.DONATION_RECEIVED) for d in donations
    ]
    assert services.ledger_verify().ok
    assert DonationStatusChange.objects.filter(to_status=DonationStatus.SUCCEEDED).count() == 3
    # Only the gift with an email address gets a receipt.
    assert [m.to for m in mail.outbox] == [["z@example.com"]]


def test_a_good_xlsx_is_recorded(organization, finance):
    ProjectFactory(organization=organization, title="Clean water")
    content = xlsx_bytes(
        [
            [
                datetime.datetime(2025, 4, 1),  # noqa: DTZ001 (spreadsheet cells have no zone)
                88.8,
                None,
                "cash",
                None,
                "王五",
                None,
                0,
                "Clean water",
            ],
            [datetime.date(2025, 4, 2), 1000, "CNY", "bank_transfer", "ABC-9", None, None, 1, None],
        ],
        header=["收款日期", "金额", "币种", "渠道", "银行流水号", "捐赠人", "邮箱", "匿名", "项目"],
    )
    result = run(finance, organization, content, filename="捐赠.XLSX")
    assert result.check.errors == []
    donations = list(Donation.objects.order_by("pk"))
    assert [(d.amount, d.channel, d.is_anonymous) for d in donations] == [
        (8_880, DonationChannel.CASH, False),
        (100_000, DonationChannel.BANK_TRANSFER, True),
    ]
    assert donations[0].project.title == "Clean water"
    assert all(d.receipt_number for d in donations)
    assert LedgerEntry.objects.filter(donation__in=donations).count() == 2
    assert services.ledger_verify().ok


def test_two_bad_rows_import_nothing_and_are_both_reported(organization, finance):
    good = ["2025-03-01", "200", "", "cash", "", "", "", "", "", ""]
    content = csv_bytes(
        [
            good,
            ["2025-03-01", "1.234", "", "cash", "", "", "", "", "", ""],  # line 3
            good,
            [],  # a blank line 5 still counts as a line
            ["someday", "50", "", "cheque", "", "", "not-an-email", "", "", ""],  # line 6
            good,
        ]
    )
    result = run(finance, organization, content)
    assert not result.check.ok
    assert result.donations == []
    assert not Donation.objects.exists()
    assert not LedgerEntry.objects.exists()
    found = {(e.line, e.column) for e in result.check.errors}
    assert found == {
        (3, "amount"),
        (6, "date received"),
        (6, "channel"),
        (6, "donor email"),
    }
    messages = {(e.line, e.column): e.message for e in result.check.errors}
    assert "two decimals" in messages[3, "amount"]
    assert "someday" in messages[6, "date received"]


@pytest.mark.parametrize(
    ("written", "fen"),
    [("200", 20_000), ("200.5", 20_050), ("0.01", 1), ("1,234.56", 123_456), ("¥99", 9_900)],
)
def test_amounts_in_yuan_become_fen(organization, finance, written, fen):
    result = run(finance, organization, csv_bytes([["2025-03-01", written, "", "cash"]]))
    assert result.check.errors == []
    assert Donation.objects.get().amount == fen


@pytest.mark.parametrize("written", ["0", "-5", "abc", "1.234", "", "12,34", "nan", "1e400"])
def test_bad_amounts_are_refused(organization, finance, written):
    result = run(finance, organization, csv_bytes([["2025-03-01", written, "", "cash"]]))
    assert [(e.line, e.column) for e in result.check.errors] == [(2, "amount")]
    assert not Donation.objects.exists()


def test_a_bank_reference_already_recorded_or_repeated_in_the_file_is_refused(
    organization, finance
):
    services.donation_record_offline(
        actor=finance,
        organization=organization,
        project=None,
        amount=10_000,
        currency="CNY",
        channel=DonationChannel.BANK_TRANSFER,
        received_at=timezone.now(),
        bank_reference="ICBC-OLD",
    )
    content = csv_bytes(
        [
            ["2025-03-01", "10", "", "bank_transfer", "ICBC-OLD"],
            ["2025-03-01", "10", "", "bank_transfer", "ICBC-NEW"],
            ["2025-03-01", "10", "", "bank_transfer", "ICBC-NEW"],
        ]
    )
    with translation.override("en"):
        result = run(finance, organization, content)
        assert "already been recorded" in result.check.errors[0].message
        assert "line 3" in result.check.errors[1].message
    errors = [(e.line, e.column) for e in result.check.errors]
    assert errors == [(2, "bank reference"), (4, "bank reference")]
    assert Donation.objects.count() == 1


def test_another_organizations_project_is_not_found(organization, finance):
    theirs = ProjectFactory(organization=OrganizationFactory(), title="Theirs")
    for written in (str(theirs.pk), "Theirs"):
        result = run(
            finance,
            organization,
            csv_bytes([["2025-03-01", "10", "", "cash", "", "", "", "", written]]),
        )
        assert [(e.line, e.column) for e in result.check.errors] == [(2, "project")]
    assert not Donation.objects.exists()


def test_the_projects_currency_must_match(organization, finance):
    ProjectFactory(organization=organization, title="HK", currency="HKD")
    result = run(
        finance,
        organization,
        csv_bytes([["2025-03-01", "10", "CNY", "cash", "", "", "", "", "HK"]]),
    )
    assert [(e.line, e.column) for e in result.check.errors] == [(2, "currency")]


def test_unknown_and_missing_columns_are_reported_on_line_1(organization, finance):
    content = csv_bytes([["2025-03-01", "10"]], header=["date", "amuont"])
    result = run(finance, organization, content)
    assert {(e.line, e.column) for e in result.check.errors} == {
        (1, "amuont"),
        (1, "amount"),
        (1, "channel"),
    }


def test_online_gifts_and_future_dates_are_refused(organization, finance):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    content = csv_bytes([["2025-03-01", "10", "", "online"], [tomorrow, "10", "", "cash"]])
    result = run(finance, organization, content)
    assert [(e.line, e.column) for e in result.check.errors] == [
        (2, "channel"),
        (3, "date received"),
    ]


def test_the_dry_run_writes_nothing(organization, finance):
    result = run(finance, organization, csv_bytes([["2025-03-01", "10", "", "cash"]]), commit=False)
    assert result.check.ok
    assert result.check.totals() == {"CNY": 1_000}
    assert not Donation.objects.exists()


def test_an_imported_gift_is_recorded_as_the_service_records_one(organization, finance):
    project = ProjectFactory(organization=organization)
    run(
        finance,
        organization,
        csv_bytes(
            [["2025-03-01 10:00", "10", "", "cash", "", "", "a@example.com", "", str(project.pk)]]
        ),
    )
    by_service = services.donation_record_offline(
        actor=finance,
        organization=organization,
        project=project,
        amount=1_000,
        currency="CNY",
        channel=DonationChannel.CASH,
        received_at=datetime.datetime(2025, 3, 1, 2, 0, tzinfo=datetime.UTC),
        donor_email="a@example.com",
    )
    imported = Donation.objects.exclude(pk=by_service.pk).get()
    by_service.refresh_from_db()
    compared = ["organization_id", "project_id", "amount", "currency", "channel", "status"]
    compared += ["received_at", "donor_key", "donor_email", "recorded_by_id", "is_anonymous"]
    assert {f: getattr(imported, f) for f in compared} == {
        f: getattr(by_service, f) for f in compared
    }
    # One sequence of receipt numbers for both paths.
    assert imported.receipt_number.endswith("-000001")
    assert by_service.receipt_number.endswith("-000002")
    assert imported.receipt_number[:-6] == by_service.receipt_number[:-6]
    changes = [(c.from_status, c.to_status, c.changed_by_id) for c in imported.status_changes.all()]
    assert changes == [(DonationStatus.PENDING, DonationStatus.SUCCEEDED, finance.pk)]
    entry = imported.ledger_entries.get()
    assert (entry.memo, entry.occurred_at) == (f"donation {imported.pk}", imported.received_at)
    assert services.ledger_verify().ok


@pytest.mark.parametrize("role", [Role.EDITOR, Role.COORDINATOR])
def test_only_finance_and_owners_import(organization, member_of, role):
    with pytest.raises(PermissionDenied):
        run(
            member_of(organization, role),
            organization,
            csv_bytes([["2025-03-01", "10", "", "cash"]]),
        )
    assert not Donation.objects.exists()


def test_an_unreadable_file_is_refused(organization, finance):
    with pytest.raises(CharityError):
        run(finance, organization, b"\x00\x01garbage", filename="gifts.xlsx")
    with pytest.raises(CharityError):
        run(finance, organization, b"a,b", filename="gifts.txt")


def test_the_export_lists_the_organizations_donations_for_finance_only(
    organization, finance, member_of
):
    project = ProjectFactory(organization=organization, title="Books")
    run(
        finance,
        organization,
        csv_bytes(
            [
                ["2025-03-01 08:00", "200.50", "", "cash", "R-1", "张三", "", "是", "Books"],
                ["2025-03-02 09:00", "50", "", "cash", "R-2", "李四", "li@example.com", "否", ""],
            ]
        ),
    )
    other = OrganizationFactory()
    services.donation_record_offline(
        actor=member_of(other, Role.FINANCE),
        organization=other,
        project=None,
        amount=999,
        currency="CNY",
        channel=DonationChannel.CASH,
        received_at=timezone.now(),
        donor_name="Someone else",
    )
    rows = tablib.Dataset().load(
        donations_export(actor=finance, organization=organization, fmt="csv").decode("utf-8-sig"),
        format="csv",
    )
    assert rows.headers[:4] == ["id", "date received", "amount", "currency"]
    assert len(rows) == 2
    row = dict(zip(rows.headers, rows[0], strict=True))
    assert row["date received"] == "2025-03-01 08:00:00"
    assert row["amount"] == "200.50"
    # An anonymous donor is not named, even in the organization's own spreadsheet.
    assert (row["donor name"], row["anonymous"], row["project"]) == ("", "yes", project.title)
    assert "张三" not in str(rows.export("csv"))
    named = dict(zip(rows.headers, rows[1], strict=True))
    assert (named["donor name"], named["donor email"], named["anonymous"]) == (
        "李四",
        "li@example.com",
        "no",
    )
    assert row["status"] == "succeeded"
    assert row["bank reference"] == "R-1"

    sheet = load_workbook(
        io.BytesIO(donations_export(actor=finance, organization=organization, fmt="xlsx"))
    ).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 3  # the header and two gifts
    assert values[1][2] == 200.5

    for outsider in (member_of(organization, Role.EDITOR), member_of(other, Role.OWNER)):
        with pytest.raises(PermissionDenied):
            donations_export(actor=outsider, organization=organization, fmt="csv")
