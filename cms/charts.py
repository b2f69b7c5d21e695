"""Charts drawn on the server as inline SVG: a donut for shares of a whole, bars for comparing
amounts. No script runs in the reader's browser; each chart's template also prints the figures
as a table, for screen readers and for anyone who wants the numbers.

The donut is one circle per slice with a circumference of 100 (r = 100 / 2π), so a slice of p%
is a stroke dash of length p, rotated into place by its dash offset: no arc geometry needed.
"""

from dataclasses import dataclass

from charity.templatetags.money import format_money

# Distinguishable from each other and at least 4.5:1 against white.
PALETTE = ("#0f5e63", "#c8442c", "#8a5a00", "#1b6e45", "#5b4b8a", "#2f6690", "#9b2f6b", "#555555")
RADIUS = "15.91549"  # 100 / 2π


@dataclass(frozen=True)
class Slice:
    label: str
    amount: int
    money: str
    percent: str  # of the chart's total, one decimal
    color: str
    dash: str  # stroke-dasharray
    offset: str  # stroke-dashoffset


@dataclass(frozen=True)
class Bar:
    label: str
    amount: int
    money: str
    width: str  # % of the longest bar
    color: str


def _decimal(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def donut(rows: list[tuple[str, int]], *, currency: str) -> list[Slice]:
    """Slices for (label, amount) rows in minor units. Rows of zero or less are not drawn (a net
    refund has no share of a whole) but the template's table still lists them."""
    positive = [(label, amount) for label, amount in rows if amount > 0]
    total = sum(amount for _, amount in positive)
    slices, start = [], 0.0
    for index, (label, amount) in enumerate(positive):
        share = amount * 100 / total
        slices.append(
            Slice(
                label=label,
                amount=amount,
                money=format_money(amount, currency),
                percent=f"{share:.1f}",
                color=PALETTE[index % len(PALETTE)],
                dash=f"{_decimal(share)} {_decimal(100 - share)}",
                # Start at twelve o'clock (a quarter turn back), then after the slices before.
                offset=_decimal(25 - start),
            )
        )
        start += share
    return slices


def bars(rows: list[tuple[str, int]], *, currency: str, color_index: int = 0) -> list[Bar]:
    """One bar per (label, amount) row, scaled to the largest amount (negatives drawn as none)."""
    largest = max((amount for _, amount in rows), default=0)
    return [
        Bar(
            label=label,
            amount=amount,
            money=format_money(amount, currency),
            width=_decimal(max(amount, 0) * 100 / largest) if largest > 0 else "0",
            color=PALETTE[color_index % len(PALETTE)],
        )
        for label, amount in rows
    ]
