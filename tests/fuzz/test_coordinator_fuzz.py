"""A coordinator's forms (approving hours on the day, asking for an assignment proposal, declaring
an emergency) under hostile input: never a 500; refused input changes nothing."""

import datetime

import pytest
from django.test import Client
from hypothesis import event, given
from hypothesis import strategies as st

from charity.models import Role
from tests.volunteers.factories import ReliefTaskFactory, ShiftFactory
from tests.volunteers.on_the_day import confirmed_volunteer, move
from volunteers.models import ShiftSignup

from .strategies import count_case, fuzz, hostile_text, number_text

pytestmark = pytest.mark.django_db

date_text = st.one_of(
    st.sampled_from(["9999-12-31", "0001-01-01", "2026-02-30", "2026-11-01", ""]),
    st.dates().map(str),
    hostile_text(max_size=30),
)
datetime_text = st.one_of(
    st.sampled_from(["9999-12-31T23:59", "0001-01-01T00:00", "2026-11-01T10:00", ""]),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    hostile_text(max_size=30),
)


@pytest.fixture
def coordinator(organization, member_of):
    return member_of(organization, Role.COORDINATOR)


@pytest.fixture
def signup(organization):
    shift = ShiftFactory(task=ReliefTaskFactory(organization=organization))
    signup = confirmed_volunteer(shift)
    move(shift, starts_in=-datetime.timedelta(hours=4), hours=3)
    return signup


@given(hours=st.one_of(number_text, st.sampled_from(["2.5", "2,5", "0", "999.99", "1e-9"])))
@fuzz
def test_approving_hours(coordinator, signup, hours):
    count_case()
    client = Client()
    client.force_login(coordinator)
    before = ShiftSignup.objects.values_list("approved_minutes", flat=True).get(pk=signup.pk)
    url = f"/en/volunteer/roster/{signup.shift_id}/{signup.pk}/hours/"
    response = client.post(url, {"hours": hours, "note": "<script>alert(1)</script>"})
    assert response.status_code == 302
    signup.refresh_from_db()
    event("approved" if signup.approved_minutes != before else "refused")
    if signup.approved_minutes is not None:
        assert 0 < signup.approved_minutes < 1000 * 60
    page = client.get(f"/en/volunteer/roster/{signup.shift_id}/").content.decode()
    assert "<script>alert(1)</script>" not in page


@given(
    first_day=date_text,
    last_day=date_text,
    surge=st.booleans(),
    region=st.one_of(st.just("510107"), hostile_text(max_size=10)),
    starts_at=datetime_text,
    ends_at=datetime_text,
    note=hostile_text(max_size=320),
)
@fuzz
def test_asking_for_a_proposal_or_declaring_an_emergency(
    organization, coordinator, first_day, last_day, surge, region, starts_at, ends_at, note
):
    count_case()
    client = Client()
    client.force_login(coordinator)
    url = f"/en/volunteer/orgs/{organization.slug}/assignments/"
    data = {"first_day": first_day, "last_day": last_day}
    if surge:
        data = {"surge": "1", "region": region, "starts_at": starts_at, "ends_at": ends_at}
        data["note"] = note
    response = client.post(url, data)
    assert response.status_code in (200, 302)
    event(f"status {response.status_code}")
    if response.status_code == 200:
        assert "<script>alert" not in response.content.decode().replace("&lt;script&gt;alert", "")


def test_regression_a_proposal_ending_on_the_last_representable_day_is_a_form_error(
    organization, coordinator
):
    """9999-12-31's next midnight overflowed: a 500 instead of the form's message."""
    client = Client()
    client.force_login(coordinator)
    url = f"/en/volunteer/orgs/{organization.slug}/assignments/"
    response = client.post(url, {"first_day": "9999-12-31", "last_day": "9999-12-31"})
    assert response.status_code == 200
    assert "within ten years" in response.content.decode()
