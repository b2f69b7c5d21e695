"""The forms people fill in outside the admin (volunteer profile and certificates, organization
registration, preferences, invitations, sign-up and log-in) under hostile input: never a 500,
nothing stored on a refusal, what is stored is what was typed and is shown escaped, and a
`next` address never leads off the site."""

import pytest
from django.test import Client
from hypothesis import event, given
from hypothesis import strategies as st

from charity.models import Invitation, Organization, Role, User
from tests.factories import PASSWORD, UserFactory, valid_credit_code
from volunteers.models import VolunteerCertificate, VolunteerProfile

from .strategies import (
    assert_no_raw_markup,
    assert_rendered_escaped,
    count_case,
    fuzz,
    fuzz_heavy,
    hostile_text,
    mutated,
    number_text,
    storable_text,
)

pytestmark = pytest.mark.django_db

REFUSED = (200, 429)  # the form again with its errors, or a rate limit
time_text = st.one_of(
    st.sampled_from(["", "09:00", "17:30", "00:00", "24:00", "9"]), hostile_text(40)
)
date_text = st.one_of(
    st.sampled_from(["", "2010-05-01", "1990-01-01", "2026-02-30", "9999-12-31", "0001-01-01"]),
    hostile_text(max_size=30),
)
next_text = st.one_of(
    st.sampled_from(
        [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "javascript:alert(1)",
            "/en/volunteer/",
            "\\\\evil.example",
            "http:evil.example",
        ]
    ),
    hostile_text(max_size=60),
)


def _signed_in():
    client = Client()
    user = UserFactory()
    client.force_login(user)
    return client, user


def _stays_on_site(response):
    if response.status_code in (301, 302):
        location = response["Location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location


@given(
    fields=mutated(
        {
            "phone": st.just("13800000000"),
            "district": st.just("510107"),
            "languages": st.just("zh, en"),
            "max_hours_per_week": st.just("8"),
            "emergency_contact_name": storable_text(80),
            "emergency_contact_phone": st.just("13900000000"),
            "birth_date": st.sampled_from(["", "1990-01-01"]),
            "guardian_name": st.just(""),
            "guardian_consent": st.just(""),
            "consent": st.just("on"),
            "day0_from0": st.just("09:00"),
            "day0_to0": st.just("17:00"),
        },
        {
            "phone": hostile_text(max_size=30),
            "district": st.one_of(hostile_text(max_size=10), number_text),
            "languages": hostile_text(max_size=120),
            "max_hours_per_week": number_text,
            "emergency_contact_name": hostile_text(max_size=90),
            "emergency_contact_phone": hostile_text(30),
            "birth_date": date_text,
            "guardian_name": hostile_text(max_size=90),
            "guardian_consent": st.just("on"),
            "consent": st.just(""),
            "skills": st.lists(hostile_text(max_size=20), max_size=2),
            "day0_from0": time_text,
            "day0_to0": time_text,
            "day6_from1": time_text,
            "day6_to1": time_text,
        },
        max_changes=3,
    ),
    next_url=next_text,
)
@fuzz_heavy  # each case renders the profile form's ~3,000 districts
def test_the_volunteer_profile(fields, next_url):
    count_case()
    client, user = _signed_in()
    response = client.post(f"/en/volunteer/me/profile/?next={next_url}", fields)
    assert response.status_code in (200, 302)
    event(f"status {response.status_code}")
    _stays_on_site(response)
    profile = VolunteerProfile.objects.filter(user=user).first()
    if response.status_code == 200:
        assert profile is None
        assert_no_raw_markup(response.content.decode(), fields["emergency_contact_name"])
        return
    assert profile.emergency_contact_name == fields["emergency_contact_name"].strip()
    assert profile.phone == fields["phone"].strip()
    assert 1 <= profile.max_hours_per_week <= 80
    assert "\x00" not in profile.emergency_contact_name + profile.guardian_name
    page = client.get("/en/volunteer/me/profile/").content.decode()
    assert_rendered_escaped(page, profile.emergency_contact_name)


@given(
    fields=st.fixed_dictionaries(
        {
            "kind": st.one_of(st.sampled_from(["first_aid", "driver"]), hostile_text(max_size=20)),
            "number": hostile_text(max_size=80),
            "expires_on": date_text,
        }
    )
)
@fuzz_heavy
def test_adding_a_certificate(db, fields):
    count_case()
    client, user = _signed_in()
    client.post(
        "/en/volunteer/me/profile/",
        {
            "phone": "13800000000",
            "district": "510107",
            "max_hours_per_week": "8",
            "emergency_contact_name": "母亲",
            "emergency_contact_phone": "13900000000",
            "consent": "on",
        },
    )
    assert VolunteerProfile.objects.filter(user=user).exists()
    response = client.post("/en/volunteer/me/certificates/", fields)
    assert response.status_code == 302
    page = client.get("/en/volunteer/me/profile/").content.decode()
    assert_no_raw_markup(page, fields["number"])
    for certificate in VolunteerCertificate.objects.filter(profile__user=user):
        assert certificate.number == fields["number"].strip()
        assert "\x00" not in certificate.number


@given(
    fields=mutated(
        {
            "name": storable_text(100),
            "slug": st.integers(0, 10**9).map(lambda n: f"relief-{n}"),
            "credit_code": st.integers(100_000, 9_999_999).map(valid_credit_code),
            "has_public_fundraising": st.just(""),
            "contact_email": st.just("org@example.org"),
            "contact_phone": st.just("028-12345678"),
            "address": storable_text(200),
            "website": st.sampled_from(["", "https://relief.example.org", "relief.example.org"]),
            "description": storable_text(400),
        },
        {
            "name": hostile_text(max_size=220),
            "slug": hostile_text(max_size=60),
            "credit_code": hostile_text(max_size=30),
            "has_public_fundraising": st.just("on"),
            "public_fundraising_certificate": hostile_text(max_size=80),
            "contact_email": hostile_text(max_size=40),
            "contact_phone": hostile_text(max_size=40),
            "address": hostile_text(max_size=300),
            "website": st.one_of(st.just("javascript:alert(1)"), hostile_text(80)),
            "description": hostile_text(max_size=400),
        },
    )
)
@fuzz_heavy
def test_registering_an_organization(db, fields):
    count_case()
    client, _user = _signed_in()
    before = Organization.objects.count()
    response = client.post("/en/orgs/new/", fields)
    assert response.status_code in (200, 302)
    event(f"status {response.status_code}")
    if response.status_code == 200:
        assert Organization.objects.count() == before
        assert_no_raw_markup(response.content.decode(), fields["name"])
        return
    organization = Organization.objects.latest("pk")
    assert organization.name == fields["name"].strip()
    assert organization.description == fields["description"].strip()
    assert not organization.website.lower().startswith("javascript:")
    page = client.get(response["Location"]).content.decode()
    assert_rendered_escaped(page, organization.name)


@given(
    fields=st.fixed_dictionaries(
        {
            "display_name": hostile_text(max_size=200),
            "preferred_language": st.one_of(
                st.sampled_from(["", "en", "zh-hans"]), hostile_text(20)
            ),
            "time_zone": st.one_of(st.sampled_from(["Asia/Shanghai", "UTC"]), hostile_text(40)),
        }
    )
)
@fuzz
def test_preferences(db, fields):
    count_case()
    client, user = _signed_in()
    before = User.objects.values_list("display_name", "time_zone").get(pk=user.pk)
    response = client.post("/en/me/preferences/", fields)
    assert response.status_code in (200, 302)
    event(f"status {response.status_code}")
    user.refresh_from_db()
    if response.status_code == 200:
        assert (user.display_name, user.time_zone) == before
        return
    assert user.display_name == fields["display_name"].strip()
    assert "\x00" not in user.display_name
    assert_rendered_escaped(client.get("/en/me/preferences/").content.decode(), user.display_name)


@given(
    email=st.one_of(hostile_text(max_size=80), st.just("new@example.org")),
    role=st.one_of(st.sampled_from(Role.values), hostile_text(max_size=20)),
)
@fuzz
def test_inviting_a_member(organization, owner, email, role):
    count_case()
    client = Client()
    client.force_login(owner)
    before = Invitation.objects.count()
    response = client.post(f"/en/orgs/{organization.slug}/members/", {"email": email, "role": role})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert Invitation.objects.count() == before
        assert_no_raw_markup(response.content.decode(), email)
    else:
        assert Invitation.objects.latest("pk").role in Role.values


@given(
    email=st.one_of(st.just("new@example.org"), hostile_text(max_size=300)),
    password1=st.one_of(st.just(PASSWORD), hostile_text(max_size=300)),
    password2=st.one_of(st.just(PASSWORD), hostile_text(max_size=300)),
)
@fuzz
def test_signing_up_and_logging_in(db, email, password1, password2):
    count_case()
    before = User.objects.count()
    response = Client().post(
        "/en/accounts/signup/", {"email": email, "password1": password1, "password2": password2}
    )
    assert response.status_code in (*REFUSED, 302)
    event(f"signup {response.status_code}")
    if response.status_code != 302:
        assert User.objects.count() == before
        assert_no_raw_markup(response.content.decode(), email)
    else:
        # A new account, or (an address already signed up) the same page and no second account.
        assert User.objects.count() in (before, before + 1)
        assert "\x00" not in User.objects.latest("pk").email
    response = Client().post("/en/accounts/login/", {"login": email, "password": password1})
    assert response.status_code in (*REFUSED, 302)
    assert_no_raw_markup(response.content.decode(), email)
