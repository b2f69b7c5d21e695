"""Volunteers' own pages over HTTP: signing up and cancelling, the profile, the dashboard, and
that nobody sees or touches another volunteer's details or sign-ups."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone, translation

from tests.factories import UserFactory
from volunteers import services
from volunteers.models import CertificateKind, ShiftSignup, SignupStatus, VolunteerProfile

from .factories import (
    ShiftFactory,
    SkillFactory,
    VolunteerCertificateFactory,
    VolunteerProfileFactory,
)

pytestmark = pytest.mark.django_db


def shift_url(shift, suffix="") -> str:
    return f"/en/volunteer/shifts/{shift.pk}/{suffix}"


def texts(response) -> list[str]:
    """The messages this request added (not ones left unread from earlier requests)."""
    return [str(message) for message in get_messages(response.wsgi_request)._queued_messages]


def later(days: int, **fields):
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=days)
    return ShiftFactory(starts_at=starts, ends_at=starts + datetime.timedelta(hours=2), **fields)


def post(client, url, data=None):
    with translation.override("en"):
        return client.post(url, data or {})


# --- The shift page and signing up --------------------------------------------------------------


def test_the_shift_page_shows_the_task_places_and_waitlist(client):
    shift = ShiftFactory(
        capacity=1, task__title="Soup kitchen", task__description="Serve lunch to elders."
    )
    first, second = VolunteerProfileFactory(), VolunteerProfileFactory()
    services.shift_signup_create(actor=first.user, shift=shift)
    services.shift_signup_create(actor=second.user, shift=shift)
    response = client.get(shift_url(shift))
    body = response.content.decode()
    assert "Soup kitchen" in body and "Serve lunch to elders." in body
    assert "1 of 1 places filled" in body
    assert "Full · 1 on the waitlist" in body
    assert "Join the waitlist" in body
    # Nothing about who signed up.
    for profile in (first, second):
        assert profile.phone not in body and profile.user.email not in body


def test_unknown_or_unverified_shifts_are_404(client):
    assert client.get("/en/volunteer/shifts/999999/").status_code == 404
    hidden = ShiftFactory(task__organization__unverified=True)
    assert client.get(shift_url(hidden)).status_code == 404
    user = VolunteerProfileFactory().user
    client.force_login(user)
    assert post(client, shift_url(hidden, "sign-up/")).status_code == 404
    assert not ShiftSignup.objects.exists()


def test_signing_up_needs_a_login_and_comes_back_to_the_shift(client):
    shift = ShiftFactory()
    response = post(client, shift_url(shift, "sign-up/"))
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")
    assert f"next=/en/volunteer/shifts/{shift.pk}/" in response["Location"].replace("%2F", "/")
    assert not ShiftSignup.objects.exists()


def test_signing_up_without_a_profile_asks_for_one_first(client):
    shift = ShiftFactory()
    client.force_login(UserFactory())
    response = post(client, shift_url(shift, "sign-up/"))
    assert response["Location"].startswith("/en/volunteer/me/profile/?next=")
    assert not ShiftSignup.objects.exists()


def test_signing_up_shows_the_status_and_the_waitlist_position(client):
    shift = ShiftFactory(capacity=1)
    services.shift_signup_create(actor=VolunteerProfileFactory().user, shift=shift)
    services.shift_signup_create(actor=VolunteerProfileFactory().user, shift=shift)
    profile = VolunteerProfileFactory()
    client.force_login(profile.user)
    response = post(client, shift_url(shift, "sign-up/"))
    assert response["Location"] == shift_url(shift)
    assert texts(response) == [
        "The shift is full, so you are on the waitlist at position 2. We will email you if a "
        "place opens up."
    ]
    assert ShiftSignup.objects.get(volunteer=profile).status == SignupStatus.WAITLISTED
    body = client.get(shift_url(shift)).content.decode()
    assert "You are on the waitlist at position 2." in body
    assert "Leave the waitlist" in body


def test_a_confirmed_sign_up_and_an_application(client):
    open_shift, approval_shift = later(3), later(4, requires_approval=True)
    profile = VolunteerProfileFactory()
    client.force_login(profile.user)
    assert texts(post(client, shift_url(open_shift, "sign-up/"))) == [
        "You are confirmed for this shift. Thank you!"
    ]
    assert texts(post(client, shift_url(approval_shift, "sign-up/"))) == [
        "You have applied; the coordinator will confirm your place."
    ]
    assert "You are confirmed for this shift." in client.get(shift_url(open_shift)).content.decode()


@pytest.mark.parametrize(
    ("shift_fields", "message"),
    [
        ({"task__required_certificates": [CertificateKind.DRIVER]}, "needs a certificate valid"),
        ({"cancelled_at": "now"}, "This shift has been cancelled."),
        ({"signup_opens_hours_before": 1}, "Sign-up for this shift opens at"),
    ],
)
def test_a_refused_sign_up_says_why_and_changes_nothing(client, shift_fields, message):
    if shift_fields.get("cancelled_at") == "now":
        shift_fields["cancelled_at"] = timezone.now()
    shift = ShiftFactory(**shift_fields)
    client.force_login(VolunteerProfileFactory().user)
    response = post(client, shift_url(shift, "sign-up/"))
    [text] = texts(response)
    assert message in text
    assert not ShiftSignup.objects.exists()
    shift.refresh_from_db()
    assert shift.places_taken == 0


def test_a_missing_skill_is_named(client):
    shift = ShiftFactory(task__required_skills=[SkillFactory(code="sign", name_en="Sign language")])
    client.force_login(VolunteerProfileFactory().user)
    assert texts(post(client, shift_url(shift, "sign-up/"))) == [
        "This shift needs these skills: Sign language."
    ]


def test_signing_up_twice_is_refused(client):
    shift = ShiftFactory()
    client.force_login(VolunteerProfileFactory().user)
    post(client, shift_url(shift, "sign-up/"))
    assert texts(post(client, shift_url(shift, "sign-up/"))) == [
        "You have already signed up for this shift."
    ]
    assert ShiftSignup.objects.count() == 1


def test_cancelling_my_own_sign_up_promotes_the_waitlist(client, mailoutbox):
    shift = ShiftFactory(capacity=1)
    mine, waiting = VolunteerProfileFactory(), VolunteerProfileFactory()
    signup = services.shift_signup_create(actor=mine.user, shift=shift)
    queued = services.shift_signup_create(actor=waiting.user, shift=shift)
    client.force_login(mine.user)
    response = post(
        client, f"/en/volunteer/sign-ups/{signup.pk}/cancel/", {"next": shift_url(shift)}
    )
    assert response["Location"] == shift_url(shift)
    assert texts(response) == ["Your sign-up is cancelled."]
    signup.refresh_from_db()
    queued.refresh_from_db()
    assert signup.status == SignupStatus.CANCELLED
    assert queued.status == SignupStatus.CONFIRMED


def test_cancelling_after_the_cut_off_says_so(client):
    shift = ShiftFactory(starts_at=timezone.now() + datetime.timedelta(hours=5))
    profile = VolunteerProfileFactory()
    signup = services.shift_signup_create(actor=profile.user, shift=shift)
    client.force_login(profile.user)
    [text] = texts(post(client, f"/en/volunteer/sign-ups/{signup.pk}/cancel/"))
    assert "Cancellation closed 24 hours before the shift" in text
    signup.refresh_from_db()
    assert signup.status == SignupStatus.CONFIRMED


def test_an_offsite_next_is_ignored(client):
    profile = VolunteerProfileFactory()
    signup = services.shift_signup_create(actor=profile.user, shift=ShiftFactory())
    client.force_login(profile.user)
    response = post(
        client, f"/en/volunteer/sign-ups/{signup.pk}/cancel/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/en/volunteer/me/"


# --- Nobody else's sign-ups or details ----------------------------------------------------------


def test_a_volunteer_cannot_cancel_someone_elses_sign_up(client):
    shift = ShiftFactory()
    victim, intruder = VolunteerProfileFactory(), VolunteerProfileFactory()
    signup = services.shift_signup_create(actor=victim.user, shift=shift)
    client.force_login(intruder.user)
    response = post(client, f"/en/volunteer/sign-ups/{signup.pk}/cancel/")
    assert response.status_code == 404
    signup.refresh_from_db()
    assert signup.status == SignupStatus.CONFIRMED
    client.logout()
    response = post(client, f"/en/volunteer/sign-ups/{signup.pk}/cancel/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    signup.refresh_from_db()
    assert signup.status == SignupStatus.CONFIRMED


def test_the_dashboard_shows_only_my_own_sign_ups(client):
    mine = later(3, task__title="My shift")
    theirs = later(4, task__title="Their shift")
    me = VolunteerProfileFactory()
    other = VolunteerProfileFactory(phone="13712345678", emergency_contact_phone="13787654321")
    services.shift_signup_create(actor=me.user, shift=mine)
    services.shift_signup_create(actor=other.user, shift=theirs)
    services.shift_signup_create(actor=other.user, shift=mine)
    client.force_login(me.user)
    body = client.get("/en/volunteer/me/").content.decode()
    # Their shift may well be recommended to me; it is never listed among my shifts.
    upcoming = body.split('aria-labelledby="upcoming-title"', 1)[1].split("</section>", 1)[0]
    assert "My shift" in upcoming
    assert "Their shift" not in upcoming
    for detail in (other.phone, other.emergency_contact_phone, other.user.email):
        assert detail not in body
    assert other.calendar_token not in body
    assert me.calendar_token in body


def test_pages_never_show_other_volunteers_contact_details(client):
    shift = ShiftFactory(capacity=1)
    other = VolunteerProfileFactory(
        phone="13711112222", emergency_contact_name="李四", emergency_contact_phone="13733334444"
    )
    services.shift_signup_create(actor=other.user, shift=shift)
    me = VolunteerProfileFactory()
    client.force_login(me.user)
    for url in (
        shift_url(shift),
        "/en/volunteer/",
        "/en/volunteer/me/",
        "/en/volunteer/me/profile/",
    ):
        body = client.get(url).content.decode()
        for detail in ("13711112222", "李四", "13733334444", other.user.email):
            assert detail not in body, (url, detail)


def test_someone_elses_certificate_cannot_be_removed(client):
    certificate = VolunteerCertificateFactory()
    client.force_login(VolunteerProfileFactory().user)
    response = post(client, f"/en/volunteer/me/certificates/{certificate.pk}/remove/")
    assert response.status_code == 404
    certificate.refresh_from_db()


def test_own_pages_need_a_login(client):
    for url in ("/en/volunteer/me/", "/en/volunteer/me/profile/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- The profile --------------------------------------------------------------------------------

PROFILE = {
    "phone": "13800138000",
    "district": "510107",
    "skills": ["cooking"],
    "languages": "zh, EN",
    "max_hours_per_week": "10",
    "emergency_contact_name": "王芳",
    "emergency_contact_phone": "13900139000",
    "day5_from0": "09:00",
    "day5_to0": "12:00",
    "day5_from1": "14:00",
    "day5_to1": "18:00",
    "day2_from0": "19:00",
    "day2_to0": "00:00",
    "open_to_placement": "on",
    "consent": "on",
}


def test_creating_a_profile_with_weekday_time_ranges(client):
    SkillFactory(code="cooking")
    user = UserFactory()
    client.force_login(user)
    assert "Become a volunteer" in client.get("/en/volunteer/me/profile/").content.decode()
    response = post(client, "/en/volunteer/me/profile/", PROFILE)
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == "/en/volunteer/me/"
    profile = VolunteerProfile.objects.get(user=user)
    assert [skill.code for skill in profile.skills.all()] == ["cooking"]
    assert profile.languages == ["zh", "en"]
    assert profile.max_hours_per_week == 10
    assert profile.open_to_placement
    assert profile.availability == [
        {"weekday": 2, "start": "19:00", "end": "24:00"},
        {"weekday": 5, "start": "09:00", "end": "12:00"},
        {"weekday": 5, "start": "14:00", "end": "18:00"},
    ]
    # The editor shows the saved week again.
    form = client.get("/en/volunteer/me/profile/").context["form"]
    assert form.initial["day5_from1"] == "14:00"
    assert form.initial["day2_to0"] == "00:00"


def test_creating_a_profile_returns_to_the_shift_it_was_asked_for(client):
    SkillFactory(code="cooking")
    client.force_login(UserFactory())
    response = post(
        client, "/en/volunteer/me/profile/", {**PROFILE, "next": "/en/volunteer/shifts/5/"}
    )
    assert response["Location"] == "/en/volunteer/shifts/5/"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"consent": ""}, "consent", "Agree to the use of your details to become a volunteer."),
        ({"day5_to0": ""}, "day5_to0", "Saturday: give both a start and an end time."),
        ({"day5_to0": "08:00"}, "day5_to0", "Saturday: the end time must be after the start"),
        ({"phone": "call me"}, "phone", "Enter a phone number of digits"),
        ({"district": "999999"}, "district", "Select a valid choice."),
        ({"skills": ["juggling"]}, "skills", "Select a valid choice."),
        ({"max_hours_per_week": "0"}, "max_hours_per_week", "greater than or equal to 1"),
    ],
)
def test_a_bad_profile_says_what_is_wrong_and_saves_nothing(client, change, field, message):
    SkillFactory(code="cooking")
    client.force_login(UserFactory())
    response = post(client, "/en/volunteer/me/profile/", {**PROFILE, **change})
    assert response.status_code == 200
    # Error messages are lazy: read them in English whatever language the request left active.
    with translation.override("en"):
        errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    assert not VolunteerProfile.objects.exists()


def test_a_minor_needs_a_guardians_consent(client):
    SkillFactory(code="cooking")
    client.force_login(UserFactory())
    today = timezone.localdate()
    minor = {**PROFILE, "birth_date": today.replace(year=today.year - 15).isoformat()}
    response = post(client, "/en/volunteer/me/profile/", minor)
    errors = response.context["form"].errors
    with translation.override("en"):
        assert "A volunteer under 18 must name a guardian." in errors["guardian_name"]
        assert "A volunteer under 18 needs their guardian's consent." in errors["guardian_consent"]
    assert not VolunteerProfile.objects.exists()
    response = post(
        client,
        "/en/volunteer/me/profile/",
        {
            **minor,
            "guardian_name": "王强",
            "guardian_phone": "13600136000",
            "guardian_consent": "on",
        },
    )
    assert response.status_code == 302
    assert VolunteerProfile.objects.get().guardian_consent_at is not None


def test_editing_a_profile_keeps_the_consent_and_changes_the_rest(client):
    profile = VolunteerProfileFactory(
        availability=[{"weekday": 0, "start": "08:00", "end": "10:00"}]
    )
    consented = profile.consent_at
    client.force_login(profile.user)
    form = client.get("/en/volunteer/me/profile/").context["form"]
    assert "consent" not in form.fields
    data = {**PROFILE, "skills": [], "consent": "", "day0_from0": "", "day0_to0": ""}
    response = post(client, "/en/volunteer/me/profile/", data)
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.consent_at == consented
    assert {period["weekday"] for period in profile.availability} == {2, 5}


def test_adding_and_removing_certificates(client):
    profile = VolunteerProfileFactory()
    client.force_login(profile.user)
    expires = timezone.localdate() + datetime.timedelta(days=200)
    response = post(
        client,
        "/en/volunteer/me/certificates/",
        {"kind": "first_aid", "number": " FA-1 ", "expires_on": expires.isoformat()},
    )
    assert response["Location"] == "/en/volunteer/me/profile/#certificates"
    certificate = profile.certificates.get()
    assert (certificate.kind, certificate.number, certificate.expires_on) == (
        "first_aid",
        "FA-1",
        expires,
    )
    body = client.get("/en/volunteer/me/profile/").content.decode()
    assert "First aid" in body and "FA-1" in body

    expired = timezone.localdate() - datetime.timedelta(days=1)
    response = post(
        client,
        "/en/volunteer/me/certificates/",
        {"kind": "driver", "expires_on": expired.isoformat()},
    )
    assert texts(response) == ["Expires on: This certificate has already expired."]
    response = post(client, "/en/volunteer/me/certificates/", {"kind": "wizard"})
    assert "Certificate: Select a valid choice." in texts(response)[0]
    assert profile.certificates.count() == 1

    post(client, f"/en/volunteer/me/certificates/{certificate.pk}/remove/")
    assert not profile.certificates.exists()


# --- The dashboard ------------------------------------------------------------------------------


def test_the_dashboard_without_a_profile_leads_to_the_profile(client):
    client.force_login(UserFactory())
    response = client.get("/en/volunteer/me/")
    assert response["Location"] == "/en/volunteer/me/profile/"


def test_the_dashboard_lists_upcoming_waitlisted_and_past_shifts(client):
    profile = VolunteerProfileFactory()
    soon = later(3, task__title="Soon")
    full = later(5, task__title="Full one", capacity=1)
    services.shift_signup_create(actor=VolunteerProfileFactory().user, shift=full)
    services.shift_signup_create(actor=profile.user, shift=soon)
    services.shift_signup_create(actor=profile.user, shift=full)
    past = later(2, task__title="Last week")
    services.shift_signup_create(actor=profile.user, shift=past)
    past.starts_at -= datetime.timedelta(days=10)
    past.ends_at -= datetime.timedelta(days=10)
    past.save()
    client.force_login(profile.user)
    response = client.get("/en/volunteer/me/")
    shifts = response.context["shifts"]
    assert [signup.shift.task.title for signup in shifts.upcoming] == ["Soon", "Full one"]
    assert [signup.position for signup in shifts.upcoming] == [None, 1]
    assert [signup.shift.task.title for signup in shifts.past] == ["Last week"]
    body = response.content.decode()
    assert "Position 1" in body
    assert f"/en/volunteer/calendar/{profile.calendar_token}.ics" in body
    assert "webcal://" in body


def test_resetting_the_calendar_address(client):
    profile = VolunteerProfileFactory()
    old = profile.calendar_token
    client.force_login(profile.user)
    response = post(client, "/en/volunteer/me/calendar/reset/")
    assert response["Location"] == "/en/volunteer/me/#calendar"
    profile.refresh_from_db()
    assert profile.calendar_token != old
    assert client.get(f"/en/volunteer/calendar/{old}.ics").status_code == 404
    assert client.get(f"/en/volunteer/calendar/{profile.calendar_token}.ics").status_code == 200


def test_the_navigation_and_account_menu_link_to_volunteering(client):
    body = client.get("/en/volunteer/").content.decode()
    assert 'href="/en/volunteer/"' in body
    client.force_login(VolunteerProfileFactory().user)
    body = client.get("/en/volunteer/").content.decode()
    assert 'href="/en/volunteer/me/"' in body and "My volunteering" in body
