import pytest
from django.core.exceptions import ValidationError

from charity.models import LegalForm, Organization
from charity.validators import credit_code_check_character, validate_credit_code

# Codes printed on real registration certificates (GB 32100-2015), used as fixed points.
PUBLISHED_VALID_CODES = [
    "91350100M000100Y43",
    "53100000500021676K",  # China Charity Federation
]


@pytest.mark.parametrize("code", PUBLISHED_VALID_CODES)
def test_published_codes_are_valid(code):
    validate_credit_code(code)


def test_lower_case_and_surrounding_spaces_are_accepted():
    validate_credit_code("  91350100m000100y43 ")


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("91350100M000100Y44", "credit_code_check"),  # last character changed
        ("91350100M000100Y4", "credit_code_length"),
        ("91350100M000100Y433", "credit_code_length"),
        ("", "credit_code_length"),
        ("91350100M00010OY43", "credit_code_characters"),  # letter O is never used
        ("9135010IM000100Y43", "credit_code_characters"),
        ("913501A0M000100Y43", "credit_code_division"),
    ],
)
def test_invalid_codes_are_refused_with_the_reason(code, error_code):
    with pytest.raises(ValidationError) as raised:
        validate_credit_code(code)
    assert raised.value.code == error_code


def test_every_single_character_substitution_is_caught():
    """The check character exists to catch one mistyped character; make sure it does."""
    code = PUBLISHED_VALID_CODES[0]
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for position in range(17):
        for char in alphabet:
            if char == code[position]:
                continue
            typo = code[:position] + char + code[position + 1 :]
            assert credit_code_check_character(typo[:17]) != typo[17], typo


def test_wrong_length_message_names_the_count():
    with pytest.raises(ValidationError) as raised:
        validate_credit_code("123")
    assert "3" in raised.value.messages[0]


@pytest.mark.parametrize(
    ("code", "legal_form"),
    [
        ("53100000500021676K", LegalForm.FOUNDATION),  # China Charity Federation: 民政, 基金会
        ("52510000MJ5678901", LegalForm.SOCIAL_ORGANIZATION),  # 民政, 民办非企业单位
        ("51110000MJ0000001", LegalForm.SOCIAL_ORGANIZATION),  # 民政, 社会团体
        ("59110000MJ0000001", None),  # 民政, other kind
        ("91350100M000100Y4", None),  # a company, registered with market regulation
    ],
)
def test_the_legal_form_is_read_off_the_credit_code(code, legal_form):
    if len(code) == 17:
        code += credit_code_check_character(code)
    organization = Organization(credit_code=code)
    assert organization.legal_form == legal_form
