"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

18 characters: registration authority (1), organization type (1), administrative division (6 digits),
organization code (9), check character (1). Characters come from a 31-symbol alphabet without
I, O, S, V and Z; the check character is derived from the first 17 with fixed weights, modulo 31.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUES = {char: value for value, char in enumerate(CREDIT_CODE_ALPHABET)}


def credit_code_check_character(first_17: str) -> str:
    """The check character for the first 17 characters of a code (assumed in the alphabet)."""
    total = sum(_VALUES[char] * weight for char, weight in zip(first_17, _WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


# Second character of a code issued by the civil affairs authorities (first character 5): the kind
# of organization. 9 ("other") and codes of other authorities name no charity legal form.
CIVIL_AFFAIRS = "5"
FOUNDATION_CATEGORY = "3"  # 基金会
SOCIAL_ORGANIZATION_CATEGORIES = frozenset("12")  # 社会团体; 民办非企业单位 (社会服务机构)


def normalize_credit_code(value: str) -> str:
    return (value or "").strip().upper()


def validate_credit_code(value: str) -> None:
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d."),
            code="credit_code_length",
            params={"count": len(code)},
        )
    bad = sorted({char for char in code if char not in _VALUES})
    if bad:
        raise ValidationError(
            _(
                "%(chars)s cannot appear in a unified social credit code "
                "(it uses digits and capital letters except I, O, S, V and Z)."
            ),
            code="credit_code_characters",
            params={"chars": ", ".join(bad)},
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("Characters 3 to 8 of the code are the administrative division and must be digits."),
            code="credit_code_division",
        )
    if credit_code_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _(
                "The check character (the last one) does not match; please check the code for typos."
            ),
            code="credit_code_check",
        )
