"""Money is stored in minor units (fen, cents); it becomes text only here, at the edge."""

from django import template

register = template.Library()

SYMBOLS = {"CNY": "¥", "HKD": "HK$", "USD": "US$"}


def format_money(amount: int, currency: str) -> str:
    """1234550, "CNY" → "¥12,345.50"; whole amounts drop the decimals: "¥12,345".
    With no currency ("") the figure stands alone: "12,345.50"."""
    sign = "-" if amount < 0 else ""
    major, minor = divmod(abs(int(amount)), 100)
    symbol = SYMBOLS.get(currency, f"{currency} ") if currency else ""
    decimals = f".{minor:02d}" if minor else ""
    return f"{sign}{symbol}{major:,}{decimals}"


@register.filter
def money(amount, currency="CNY"):
    if amount in (None, ""):
        return ""
    return format_money(amount, currency)
