"""The public donate form under hostile input: never a 500, nothing invalid stored, every stored
word shown escaped on the donor's own page."""

from decimal import Decimal, InvalidOperation

import pytest
from django.test import Client
from hypothesis import event, given
from hypothesis import strategies as st

from charity.models import Donation, DonationStatus
from tests.factories import ProjectFactory, UserFactory

from .strategies import (
    assert_no_raw_markup,
    assert_rendered_escaped,
    count_case,
    fuzz,
    hostile_text,
    mutated,
    number_text,
    storable_text,
)

pytestmark = pytest.mark.django_db

REFUSED = (200, 429)  # the form again with its errors, or the rate limit


def _expected_amount(data) -> int | None:
    """What the form should charge, in fen, or None where the input must be refused."""
    custom = data["custom_amount"].strip()
    if custom:
        try:
            value = Decimal(custom)
        except InvalidOperation:
            return None
        if (
            not value.is_finite()
            or value < Decimal("0.01")
            or value != value.quantize(Decimal("0.01"))
        ):
            return None
        return int(value * 100)
    return int(data["preset"]) if data["preset"] in ("5000", "20000", "50000", "100000") else None


donate_data = mutated(
    {
        "preset": st.sampled_from(["5000", "20000", ""]),
        "custom_amount": st.sampled_from(["", "12.34", "1"]),
        "frequency": st.sampled_from(["one_off", "monthly"]),
        "donor_name": storable_text(100),
        "donor_email": st.just("guest@example.org"),
        "message": storable_text(300),
        "is_anonymous": st.sampled_from(["", "on"]),
    },
    {
        "preset": number_text,
        "custom_amount": number_text,
        "frequency": hostile_text(),
        "donor_name": hostile_text(max_size=150),
        "donor_email": hostile_text(max_size=60),
        "message": hostile_text(max_size=400),
        "is_anonymous": st.just("<script>"),
    },
)


@given(data=donate_data, signed_in=st.booleans())
@fuzz
def test_the_donate_form_refuses_or_stores_exactly_and_shows_escaped(data, signed_in):
    count_case()
    project = ProjectFactory(currency="CNY")
    client = Client()
    if signed_in:
        client.force_login(UserFactory())
    before = Donation.objects.count()

    response = client.post(f"/en/give/{project.pk}/", data)

    assert response.status_code in (*REFUSED, 302)
    event(f"status {response.status_code}")
    if response.status_code != 302:
        assert Donation.objects.count() == before
        assert_no_raw_markup(response.content.decode(), data["donor_name"])
        assert_no_raw_markup(response.content.decode(), data["message"])
        return
    donation = Donation.objects.get(project=project)
    assert Donation.objects.count() == before + 1
    assert donation.status == DonationStatus.PENDING
    assert donation.currency == "CNY"
    assert donation.amount == _expected_amount(data) and donation.amount > 0
    assert donation.donor_name == data["donor_name"].strip()
    assert donation.message == data["message"].strip()
    assert "\x00" not in donation.donor_name + donation.message

    page = client.get(f"/en/donations/{donation.guest_token}/").content.decode()
    assert_rendered_escaped(page, donation.message)


def test_a_huge_custom_amount_is_refused_not_overflowed(client):
    project = ProjectFactory(currency="CNY")
    for amount in [str(2**63), "1e309", "-0.01", "0", "NaN", "99999999999.99"]:
        data = {
            "custom_amount": amount,
            "frequency": "one_off",
            "donor_name": "x",
            "donor_email": "x@example.org",
        }
        response = client.post(f"/en/give/{project.pk}/", data)
        assert response.status_code == 200, amount
    assert not Donation.objects.exists()
