"""Offline donations in and out of spreadsheets, with django-import-export.

Finance staff import the bank transfers and cash gifts of ONE organization (the view fixes it; a
file never names it) from CSV or XLSX, and export their organization's donations for its
accountants. An import is all or nothing: every row is checked first, and nothing is written
unless every row is good; each bad row is reported with its line in the file (the header is line
1), its column and the reason.

Saving records each gift exactly as `services.donation_record_offline` does (received at once:
status change, gap-free receipt number, one ledger entry), but for all rows together: per row, the
service costs about twenty queries, which made 100,000 rows take twenty minutes.
`services.donations_record_offline` does the same writes with a few queries per thousand rows;
tests/charity/test_offline_import.py checks that both produce the same rows.
"""

import csv
import datetime
import io
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from .exceptions import CharityError
from .models import (
    Currency,
    Donation,
    DonationChannel,
    DonationStatus,
    Organization,
    User,
)
from .permissions import require
from .services.donations import donations_record_offline, donor_key
from .spreadsheets import spreadsheet_row

MAX_IMPORT_ROWS = 100_000
# Largest single gift a file may hold, in yuan: a typo guard, far above any real transfer.
MAX_IMPORT_YUAN = Decimal("1000000000")

# Canonical column → the headers accepted for it, compared after `_normalise_header`.
IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "date received": ("date received", "received at", "date", "收款日期", "到账日期", "日期"),
    "amount": ("amount", "amount (yuan)", "金额", "金额(元)", "捐赠金额"),
    "currency": ("currency", "币种", "货币"),
    "channel": ("channel", "渠道", "方式", "捐赠方式"),
    "bank reference": ("bank reference", "reference", "银行流水号", "流水号", "银行参考号"),
    "donor name": ("donor name", "name", "捐赠人", "捐赠人姓名", "姓名"),
    "donor email": ("donor email", "email", "捐赠人邮箱", "邮箱", "电子邮箱"),
    "anonymous": ("anonymous", "is anonymous", "匿名"),
    "project": ("project", "项目"),
    "message": ("message", "留言", "备注"),
}
REQUIRED_COLUMNS = ("date received", "amount", "channel")

CHANNELS = {
    "bank transfer": DonationChannel.BANK_TRANSFER,
    "bank": DonationChannel.BANK_TRANSFER,
    "transfer": DonationChannel.BANK_TRANSFER,
    "银行转账": DonationChannel.BANK_TRANSFER,
    "转账": DonationChannel.BANK_TRANSFER,
    "cash": DonationChannel.CASH,
    "现金": DonationChannel.CASH,
}
CURRENCY_ALIASES = {"RMB": "CNY", "人民币": "CNY", "元": "CNY", "港币": "HKD", "港元": "HKD"}
CURRENCY_ALIASES |= {"美元": "USD"}
YES = {"yes", "y", "true", "1", "是", "匿名"}
NO = {"no", "n", "false", "0", "否", ""}


def _normalise_header(header) -> str:
    text = str(header or "").replace("_", " ").replace("（", "(").replace("）", ")")
    return " ".join(text.split()).lower()


_HEADER_LOOKUP = {
    _normalise_header(alias): column
    for column, aliases in IMPORT_COLUMNS.items()
    for alias in (column, *aliases)
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def china_zone() -> zoneinfo.ZoneInfo:
    """The zone a file's dates are in, and the export's: the platform's (Asia/Shanghai)."""
    return zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)


# --- Reading the upload ------------------------------------------------------------------------


@dataclass
class Table:
    headers: list[str]  # as written in the file
    rows: list[tuple[int, list]]  # (line in the file, cells); blank lines left out


def read_upload(content: bytes, filename: str) -> Table:
    """The rows of an uploaded CSV or XLSX file with their line numbers (header = line 1).

    tablib would drop blank lines and so shift every later line number; reading the file here
    keeps them as the person sees them in their spreadsheet.
    """
    name = filename.lower()
    if name.endswith(".csv"):
        table = _read_csv(content)
    elif name.endswith(".xlsx"):
        table = _read_xlsx(content)
    else:
        raise CharityError(_("Upload a .csv or .xlsx file."), code="file_type")
    if not any(_text(h) for h in table.headers):
        raise CharityError(_("The file's first line must name its columns."), code="no_header")
    if len(table.rows) > MAX_IMPORT_ROWS:
        raise CharityError(
            _("A file may hold at most %(max)s rows; split it into several files.")
            % {"max": f"{MAX_IMPORT_ROWS:,}"},
            code="too_many_rows",
        )
    return table


def _read_csv(content: bytes) -> Table:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Chinese Windows saves CSV in GBK; GB18030 is its superset.
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError:
            raise CharityError(
                _("The file is not readable text; save it as CSV (UTF-8) or XLSX."),
                code="encoding",
            ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    headers, rows = [], []
    try:
        while True:
            line = reader.line_num + 1  # a quoted cell may span lines: a record starts here
            try:
                cells = next(reader)
            except StopIteration:
                break
            if line == 1:
                headers = cells
            elif any(_text(cell) for cell in cells):
                rows.append((line, cells))
    except csv.Error as error:
        raise CharityError(
            _("The CSV file is malformed near line %(line)s.") % {"line": reader.line_num},
            code="csv",
        ) from error
    return Table(headers, rows)


def _read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise CharityError(_("The file is not a readable XLSX workbook."), code="xlsx") from error
    headers, rows = [], []
    try:
        for line, cells in enumerate(book.active.iter_rows(values_only=True), start=1):
            if line == 1:
                headers = list(cells)
            elif any(_text(cell) for cell in cells):
                rows.append((line, list(cells)))
    finally:
        book.close()
    while headers and not _text(headers[-1]):
        headers.pop()
    return Table(headers, rows)


# --- Widgets: one cell → one value, or a ValueError with the reason ------------------------------


class ReceivedAtWidget(widgets.Widget):
    """A date (or date and time) in China's time zone, as people write it or Excel stores it."""

    DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
    DATETIME_FORMATS = ("%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y年%m月%d日 %H:%M")

    def clean(self, value, row=None, **kwargs):
        moment, date_only = self._parse(value)
        now = timezone.now()
        if date_only:
            # A day without a time counts as noon in China: the same day (and receipt year) in
            # every time zone staff work in. Today's gifts are not dated in the future.
            if moment > timezone.localdate(now, china_zone()):
                raise ValueError(_("The date is in the future."))
            noon = datetime.datetime.combine(moment, datetime.time(12), tzinfo=china_zone())
            return min(noon, now)
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=china_zone())
        if moment > now + datetime.timedelta(minutes=5):
            raise ValueError(_("The date is in the future."))
        return moment

    def _parse(self, value) -> tuple[datetime.datetime | datetime.date, bool]:
        if isinstance(value, datetime.datetime):
            # Excel stores a date as midnight: that is a day, not a time.
            if value.time() == datetime.time(0) and value.tzinfo is None:
                return value.date(), True
            return value, False
        if isinstance(value, datetime.date):
            return value, True
        text = _text(value)
        if not text:
            raise ValueError(_("Enter the date the money arrived, e.g. 2025-03-01."))
        for fmt in self.DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, fmt).date(), True  # noqa: DTZ007
            except ValueError:
                pass
        try:
            return datetime.datetime.fromisoformat(text), False
        except ValueError:
            pass
        for fmt in self.DATETIME_FORMATS:
            try:
                return datetime.datetime.strptime(text, fmt), False  # noqa: DTZ007
            except ValueError:
                pass
        raise ValueError(
            _("“%(value)s” is not a date; write it like 2025-03-01 or 2025-03-01 14:30.")
            % {"value": text}
        )


class YuanWidget(widgets.Widget):
    """An amount in yuan (200, 200.5, 200.50, 1,200.00) → integer fen."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            raise ValueError(_("Enter the amount in yuan, e.g. 200 or 200.50."))
        # A float from a spreadsheet cell: its shortest text is what the person typed (200.1).
        text = repr(value) if isinstance(value, float) else _text(value)
        text = text.lstrip("¥￥").strip()
        if not text:
            raise ValueError(_("Enter the amount in yuan, e.g. 200 or 200.50."))
        if "," in text:
            whole, _dot, _rest = text.partition(".")
            groups = whole.split(",")
            if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
                raise ValueError(
                    _("“%(value)s” is not an amount; write it like 200 or 200.50.")
                    % {"value": text}
                )
            text = text.replace(",", "")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            raise ValueError(
                _("“%(value)s” is not an amount; write it like 200 or 200.50.") % {"value": text}
            )
        if amount <= 0:
            raise ValueError(_("The amount must be more than zero."))
        if amount > MAX_IMPORT_YUAN:
            raise ValueError(_("The amount is too large; check it."))
        if amount != amount.quantize(Decimal("0.01")):
            raise ValueError(_("An amount has at most two decimals (fen)."))
        return int(amount * 100)


class CurrencyWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = _text(value).upper() or Currency.CNY
        text = CURRENCY_ALIASES.get(text, text)
        if text not in Currency.values:
            raise ValueError(
                _("Unknown currency “%(value)s”; use one of %(choices)s.")
                % {"value": _text(value), "choices": ", ".join(Currency.values)}
            )
        return text


class ChannelWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = _normalise_header(value)
        channel = CHANNELS.get(text)
        if channel is None:
            # The code or the label in the reader's language ("bank_transfer", "银行转账").
            labels = {_normalise_header(c.label): c for c in DonationChannel}
            channel = labels.get(text) or {_normalise_header(c): c for c in DonationChannel}.get(
                text
            )
        if channel == DonationChannel.ONLINE:
            raise ValueError(_("Online gifts are recorded by the payment service."))
        if channel is None:
            raise ValueError(
                _("Write bank_transfer (银行转账) or cash (现金), not “%(value)s”.")
                % {"value": _text(value)}
            )
        return channel.value


class AnonymousWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValueError(_("Write yes or no (是 or 否), not “%(value)s”.") % {"value": text})


def _plain_text(value) -> str:
    """A free-text cell; a NUL character (a binary file saved as CSV) cannot be stored."""
    text = _text(value)
    if "\x00" in text:
        raise ValueError(_("This cell holds a NUL character; save the file again as text."))
    return text


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return _plain_text(value)


class BankReferenceWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return _plain_text(value) or None


class ProjectWidget(widgets.Widget):
    """One of the importing organization's projects, by id or exact title; empty: the general
    fund. Other organizations' projects do not exist here."""

    def __init__(self, projects=()):
        super().__init__()
        self.by_id = {project.pk: project for project in projects}
        self.by_title = defaultdict(list)
        for project in projects:
            self.by_title[project.title.strip()].append(project)

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return None
        if text.isdigit() and int(text) in self.by_id:
            return self.by_id[int(text)]
        matches = self.by_title.get(text, [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise ValueError(
                _("Several projects are called “%(value)s”; use the project's id.")
                % {"value": text}
            )
        raise ValueError(
            _("This organization has no project with the id or title “%(value)s”.")
            % {"value": text}
        )


# --- The import -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str


@dataclass
class ImportedRow:
    line: int
    donation: Donation  # not saved yet


@dataclass
class OfflineImportCheck:
    """What an import would record, or why it cannot."""

    rows: list[ImportedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    def totals(self) -> dict[str, int]:
        """Currency → sum of the rows' amounts in minor units."""
        sums = defaultdict(int)
        for row in self.rows:
            sums[row.donation.currency] += row.donation.amount
        return dict(sorted(sums.items()))


class OfflineDonationResource(resources.ModelResource):
    """Rows of a file → unsaved offline donations of `organization`, or each row's errors.

    Run through `import_data` only to check a file: `save_instance` collects the good rows
    instead of saving them; `services.donations_record_offline` saves them all at once.
    """

    received_at = fields.Field(
        attribute="received_at", column_name="date received", widget=ReceivedAtWidget()
    )
    amount = fields.Field(attribute="amount", column_name="amount", widget=YuanWidget())
    currency = fields.Field(attribute="currency", column_name="currency", widget=CurrencyWidget())
    channel = fields.Field(attribute="channel", column_name="channel", widget=ChannelWidget())
    bank_reference = fields.Field(
        attribute="bank_reference",
        column_name="bank reference",
        widget=BankReferenceWidget(),
        saves_null_values=True,
    )
    donor_name = fields.Field(attribute="donor_name", column_name="donor name", widget=TextWidget())
    donor_email = fields.Field(
        attribute="donor_email", column_name="donor email", widget=TextWidget()
    )
    is_anonymous = fields.Field(
        attribute="is_anonymous", column_name="anonymous", widget=AnonymousWidget()
    )
    project = fields.Field(
        attribute="project", column_name="project", widget=ProjectWidget(), saves_null_values=True
    )
    message = fields.Field(attribute="message", column_name="message", widget=TextWidget())

    # Checked here, or assigned when saving; never read from the file.
    NOT_CLEANED = (
        "organization",
        "project",
        "donor",
        "recurring_gift",
        "recorded_by",
        "guest_token",
    )

    class Meta:
        model = Donation
        fields = (
            "received_at",
            "amount",
            "currency",
            "channel",
            "bank_reference",
            "donor_name",
            "donor_email",
            "is_anonymous",
            "project",
            "message",
        )
        force_init_instance = True  # every row is a new gift; ids in a file are never looked up
        skip_diff = True
        use_transactions = False

    def __init__(self, *, organization: Organization, lines: list[int], headers: dict[str, str]):
        super().__init__()
        self.organization = organization
        self.lines = lines  # row number (from 1) → its line in the file
        self.headers = headers  # canonical column → the header as written in the file
        self.fields["project"].widget = ProjectWidget(list(organization.projects.all()))
        self.good: list[ImportedRow] = []
        self._existing_refs: set[str] = set()
        self._refs_in_file: dict[str, int] = {}
        self._line = 0

    def before_import(self, dataset, **kwargs):
        """Which of the file's bank references were recorded already: a few queries in all."""
        if "bank reference" not in dataset.headers:
            return
        # A reference with a NUL character is a row error of its own; PostgreSQL cannot even
        # compare it, so it stays out of the lookup.
        refs = sorted(
            {
                _text(ref)
                for ref in dataset["bank reference"]
                if _text(ref) and "\x00" not in _text(ref)
            }
        )
        chunk = (connection.features.max_query_params or 2000) // 2
        for start in range(0, len(refs), chunk):
            self._existing_refs.update(
                Donation.objects.filter(bank_reference__in=refs[start : start + chunk])
                .values_list("bank_reference", flat=True)
                .iterator()
            )

    def before_import_row(self, row, **kwargs):
        self._line = self.lines[kwargs["row_number"] - 1]

    def init_instance(self, row=None):
        return Donation(
            organization=self.organization,
            currency=Currency.CNY,
            status=DonationStatus.PENDING,
        )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        project = instance.project
        if (
            project is not None
            and "currency" not in errors
            and instance.currency != project.currency
        ):
            errors["currency"] = [
                _("This project raises money in %(currency)s.") % {"currency": project.currency}
            ]
        reference = instance.bank_reference
        if reference and "bank_reference" not in errors:
            if reference in self._existing_refs:
                errors["bank_reference"] = [
                    _("The transfer “%(reference)s” has already been recorded.")
                    % {"reference": reference}
                ]
            elif reference in self._refs_in_file:
                errors["bank_reference"] = [
                    _("The transfer “%(reference)s” is also on line %(line)s.")
                    % {"reference": reference, "line": self._refs_in_file[reference]}
                ]
            else:
                self._refs_in_file[reference] = self._line
        instance.donor_key = donor_key(donor=None, email=instance.donor_email)
        try:
            # Lengths, the email address, choices: no queries (uniqueness is checked above).
            instance.clean_fields(exclude=[*errors, *self.NOT_CLEANED])
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        self.good.append(ImportedRow(line=self._line, donation=instance))

    def column_of(self, attribute: str) -> str:
        if attribute == NON_FIELD_ERRORS:
            return ""
        column = self.fields[attribute].column_name if attribute in self.fields else attribute
        return self.headers.get(column, column)


def offline_import_check(*, organization: Organization, table: Table) -> OfflineImportCheck:
    """Check every row of `table` for `organization`; nothing is written."""
    check = OfflineImportCheck()
    headers: dict[str, str] = {}
    positions: list[int] = []
    for position, header in enumerate(table.headers):
        written = _text(header)
        if not written:
            continue
        column = _HEADER_LOOKUP.get(_normalise_header(written))
        if column is None:
            check.errors.append(
                RowError(
                    1,
                    written,
                    _("Unknown column; the columns are: %(columns)s.")
                    % {"columns": ", ".join(IMPORT_COLUMNS)},
                )
            )
        elif column in headers:
            check.errors.append(RowError(1, written, _("This column appears twice.")))
        else:
            headers[column] = written
            positions.append(position)
    for column in REQUIRED_COLUMNS:
        if column not in headers:
            check.errors.append(RowError(1, column, _("This column is missing.")))
    if check.errors:
        return check
    if not table.rows:
        check.errors.append(RowError(2, "", _("The file has no rows to import.")))
        return check

    dataset = tablib.Dataset(headers=list(headers))
    for _line, cells in table.rows:
        dataset.append([cells[p] if p < len(cells) else None for p in positions])
    lines = [line for line, _cells in table.rows]
    resource = OfflineDonationResource(organization=organization, lines=lines, headers=headers)
    result = resource.import_data(dataset, dry_run=False, use_transactions=False)

    for error in result.base_errors:
        check.errors.append(RowError(1, "", str(error.error)))
    for number, row_errors in result.row_errors():
        for error in row_errors:
            check.errors.append(RowError(lines[number - 1], "", str(error.error)))
    for invalid in result.invalid_rows:
        for attribute, messages in invalid.error_dict.items():
            for message in messages:
                check.errors.append(
                    RowError(lines[invalid.number - 1], resource.column_of(attribute), message)
                )
    check.errors.sort(key=lambda e: e.line)
    if not check.errors:
        check.rows = resource.good
    return check


@dataclass
class OfflineImportResult:
    check: OfflineImportCheck
    donations: list[Donation]


def offline_donations_import(
    *,
    actor: User,
    organization: Organization,
    content: bytes,
    filename: str,
    commit: bool,
) -> OfflineImportResult:
    """Check a CSV/XLSX file of `organization`'s offline gifts; with `commit`, record them all if
    every row is good (nothing otherwise). File-level problems raise CharityError."""
    require(actor, "donation.record", organization)
    check = offline_import_check(organization=organization, table=read_upload(content, filename))
    if not (commit and check.ok):
        return OfflineImportResult(check, [])
    donations = donations_record_offline(
        actor=actor,
        organization=organization,
        donations=[row.donation for row in check.rows],
        source=f"import:{filename}"[:255],
    )
    return OfflineImportResult(check, donations)


# --- The export -------------------------------------------------------------------------------


class _ValueWidget(widgets.Widget):
    """Hands the value to the spreadsheet as it is: numbers stay numbers in XLSX."""

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class DonationExportResource(resources.ModelResource):
    """An organization's donations for its accountants (only its owners and finance staff get it).

    Donors who gave anonymously are not named even here: a spreadsheet travels further than the
    admin, and the accounts need the gift, not the giver. Their receipt number identifies them
    to the organization when they ask."""

    id = fields.Field(attribute="id", column_name="id", widget=_ValueWidget())
    received_at = fields.Field(column_name="date received", widget=_ValueWidget())
    amount = fields.Field(column_name="amount", widget=_ValueWidget())
    currency = fields.Field(attribute="currency", column_name="currency")
    channel = fields.Field(attribute="channel", column_name="channel")
    status = fields.Field(attribute="status", column_name="status")
    receipt_number = fields.Field(attribute="receipt_number", column_name="receipt number")
    project = fields.Field(column_name="project")
    donor_name = fields.Field(column_name="donor name")
    donor_email = fields.Field(column_name="donor email")
    is_anonymous = fields.Field(column_name="anonymous")
    bank_reference = fields.Field(attribute="bank_reference", column_name="bank reference")

    class Meta:
        model = Donation
        fields = (
            "id",
            "received_at",
            "amount",
            "currency",
            "channel",
            "status",
            "receipt_number",
            "project",
            "donor_name",
            "donor_email",
            "is_anonymous",
            "bank_reference",
        )
        export_order = fields

    def dehydrate_received_at(self, donation):
        if donation.received_at is None:
            return ""
        return timezone.localtime(donation.received_at, china_zone()).strftime("%Y-%m-%d %H:%M:%S")

    def dehydrate_amount(self, donation):
        return (Decimal(donation.amount) / 100).quantize(Decimal("0.01"))

    def dehydrate_project(self, donation):
        return donation.project.title if donation.project_id else ""

    def dehydrate_donor_name(self, donation):
        return "" if donation.is_anonymous else donation.donor_name

    def dehydrate_donor_email(self, donation):
        return "" if donation.is_anonymous else donation.donor_email

    def dehydrate_is_anonymous(self, donation):
        return "yes" if donation.is_anonymous else "no"


EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def donations_export(*, actor: User, organization: Organization, fmt: str) -> bytes:
    """The organization's donations, oldest first, as a CSV or XLSX file."""
    require(actor, "donation.view", organization)
    if fmt not in EXPORT_FORMATS:
        raise CharityError(_("Export as csv or xlsx."), code="format")
    queryset = (
        Donation.objects.filter(organization=organization).select_related("project").order_by("pk")
    )
    exported = DonationExportResource().export(queryset)
    dataset = tablib.Dataset(
        *(spreadsheet_row(row, xlsx=fmt == "xlsx") for row in exported), headers=exported.headers
    )
    if fmt == "csv":
        # With a BOM, Excel opens the UTF-8 file with its Chinese names intact.
        return ("\ufeff" + dataset.export("csv")).encode("utf-8")
    return dataset.export("xlsx")


IMPORT_TEMPLATE_HEADERS = list(IMPORT_COLUMNS)
IMPORT_TEMPLATE_EXAMPLE = [
    "2025-03-01",
    "200.50",
    "CNY",
    "bank_transfer",
    "ICBC-20250301-0001",
    "张三",
    "zhangsan@example.com",
    "no",
    "",
    "",
]


def import_template_csv() -> bytes:
    dataset = tablib.Dataset(IMPORT_TEMPLATE_EXAMPLE, headers=IMPORT_TEMPLATE_HEADERS)
    return ("\ufeff" + dataset.export("csv")).encode("utf-8")
