"""The roster, QR check-in and certificate pages over HTTP: who may see and do what."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation

from charity.models import Role
from volunteers import attendance
from volunteers.certificates import service_certificate_issue
from volunteers.models import ServiceCertificate, ShiftSignup, SignupStatus

from .factories import ShiftFactory
from .on_the_day import confirmed_volunteer, move, set_times

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


def _url(name, *args):
    with translation.override("en"):
        return reverse(f"volunteers:{name}", args=args)


@pytest.fixture
def running(shift):
    """A shift that started a minute ago with two confirmed volunteers."""
    first = confirmed_volunteer(shift, user__display_name="张小明", phone="13811112222")
    second = confirmed_volunteer(shift, user__display_name="李静")
    move(shift, starts_in=-MINUTE)
    return shift, first, second


def test_the_coordinator_sees_the_roster_with_counts_contacts_and_the_qr_code(
    client, running, coordinator
):
    shift, first, _second = running
    attendance.signup_check_in(actor=coordinator, signup=first)
    client.force_login(coordinator)
    response = client.get(_url("roster", shift.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "张小明" in html and "李静" in html
    assert "13811112222" in html  # the coordinator of a confirmed volunteer sees the phone
    assert re.search(r'data-count="confirmed">2<', html)
    assert re.search(r'data-count="checked-in">1<', html)
    assert "<svg" in html and "/volunteer/check-in/" in html


@pytest.mark.parametrize("role", [Role.EDITOR, Role.FINANCE])
def test_members_without_shift_management_get_a_404(client, running, member_of, role):
    shift, first, _second = running
    client.force_login(member_of(shift.task.organization, role))
    assert client.get(_url("roster", shift.pk)).status_code == 404
    assert client.post(_url("roster_action", shift.pk, first.pk, "check-in")).status_code == 404


def test_a_coordinator_of_another_organization_can_neither_see_nor_act(
    client, running, other_organization, member_of
):
    shift, first, _second = running
    client.force_login(member_of(other_organization, Role.COORDINATOR))
    assert client.get(_url("roster", shift.pk)).status_code == 404
    for action in ("check-in", "no-show"):
        assert client.post(_url("roster_action", shift.pk, first.pk, action)).status_code == 404
    assert client.post(_url("hours_approve", shift.pk, first.pk)).status_code == 404
    assert client.post(_url("certificate_for_signup", shift.pk, first.pk)).status_code == 404
    first.refresh_from_db()
    assert first.checked_in_at is None and first.status == SignupStatus.CONFIRMED


def test_a_volunteer_cannot_use_the_roster(client, running):
    shift, first, second = running
    client.force_login(first.volunteer.user)
    assert client.get(_url("roster", shift.pk)).status_code == 404
    assert client.post(_url("roster_action", shift.pk, second.pk, "check-in")).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, running):
    shift, _first, _second = running
    response = client.get(_url("roster", shift.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_signup_of_another_shift_is_a_404_on_this_roster(client, running, coordinator):
    shift, _first, _second = running
    elsewhere = confirmed_volunteer(ShiftFactory(task=shift.task))
    client.force_login(coordinator)
    response = client.post(_url("roster_action", shift.pk, elsewhere.pk, "check-in"))
    assert response.status_code == 404
    assert client.post(_url("roster_action", shift.pk, 999999, "check-in")).status_code == 404
    assert client.get(_url("roster", 999999)).status_code == 404


def test_the_roster_buttons_check_in_out_and_mark_no_shows(client, running, coordinator):
    shift, first, second = running
    client.force_login(coordinator)
    for _ in range(2):  # a double tap changes nothing more
        response = client.post(_url("roster_action", shift.pk, first.pk, "check-in"))
        assert response.status_code == 302
    client.post(_url("roster_action", shift.pk, first.pk, "check-out"))
    client.post(_url("roster_action", shift.pk, second.pk, "no-show"))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.checked_in_at and first.checked_out_at
    assert second.status == SignupStatus.NO_SHOW
    assert first.status_changes.filter(changed_by=coordinator).count() == 2
    # An unknown action is a 404, not a 500.
    assert client.post(_url("roster_action", shift.pk, first.pk, "explode")).status_code == 404
    # A refused move is a message, and nothing changes.
    response = client.post(_url("roster_action", shift.pk, second.pk, "check-in"), follow=True)
    assert response.status_code == 200
    assert ShiftSignup.objects.get(pk=second.pk).checked_in_at is None


def test_the_coordinator_approves_hours_on_the_roster(client, running, coordinator):
    shift, first, second = running
    move(shift, starts_in=-4 * HOUR, hours=3)
    set_times(
        first,
        checked_in_at=shift.starts_at,
        checked_out_at=shift.starts_at + 2 * HOUR + 30 * MINUTE,
    )
    client.force_login(coordinator)
    html = client.get(_url("roster", shift.pk)).content.decode()
    assert 'value="2.5"' in html  # the proposed hours
    client.post(_url("hours_approve", shift.pk, first.pk), {"hours": "2.5"})
    # A changed figure without a note is refused with a message; with one it goes through.
    response = client.post(_url("hours_approve", shift.pk, second.pk), {"hours": "2"}, follow=True)
    assert ShiftSignup.objects.get(pk=second.pk).status == SignupStatus.CONFIRMED
    client.post(_url("hours_approve", shift.pk, second.pk), {"hours": "2", "note": "left early"})
    assert (
        client.post(_url("hours_approve", shift.pk, second.pk), {"hours": "abc"}).status_code == 302
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.approved_minutes) == (SignupStatus.COMPLETED, 150)
    assert (second.approved_minutes, second.hours_note) == (120, "left early")
    assert response.status_code == 200


# --- QR check-in over HTTP ----------------------------------------------------------------------


def test_a_volunteer_checks_in_by_opening_the_code_and_tapping(client, running):
    shift, first, _second = running
    url = _url("check_in", attendance.shift_check_in_token(shift))
    client.force_login(first.volunteer.user)
    page = client.get(url)
    assert page.status_code == 200
    assert (
        ShiftSignup.objects.get(pk=first.pk).checked_in_at is None
    )  # opening alone changes nothing
    response = client.post(url)
    assert response.status_code == 200
    assert ShiftSignup.objects.get(pk=first.pk).checked_in_at is not None
    # Scanning again says so instead of offering the button.
    again = client.get(url)
    assert again.context["done"] is True


def test_the_check_in_page_asks_strangers_to_log_in(client, running):
    shift, _first, _second = running
    response = client.get(_url("check_in", attendance.shift_check_in_token(shift)))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_forged_code_says_so_and_changes_nothing(client, running):
    _shift, first, _second = running
    client.force_login(first.volunteer.user)
    with translation.override("en"):
        for method in (client.get, client.post):
            response = method("/en/volunteer/check-in/forged-token/")
            assert response.status_code == 400
            assert "not valid" in response.content.decode()
    assert not ShiftSignup.objects.filter(checked_in_at__isnull=False).exists()


def test_an_expired_code_says_when_check_in_closed(client, running):
    shift, first, _second = running
    token = attendance.shift_check_in_token(shift)
    client.force_login(first.volunteer.user)
    move_back = shift.starts_at - 4 * HOUR
    type(shift).objects.filter(pk=shift.pk).update(starts_at=move_back, ends_at=move_back + HOUR)
    response = client.post(f"/en/volunteer/check-in/{token}/")
    assert response.status_code == 400
    assert "out of date" in response.content.decode()
    token = attendance.shift_check_in_token(type(shift).objects.get(pk=shift.pk))
    response = client.post(f"/en/volunteer/check-in/{token}/")
    assert "check-in is closed" in response.content.decode()
    assert ShiftSignup.objects.get(pk=first.pk).checked_in_at is None


def test_someone_without_a_place_cannot_check_in(client, running):
    shift, _first, _second = running
    outsider = confirmed_volunteer(ShiftFactory()).volunteer.user
    client.force_login(outsider)
    response = client.post(f"/en/volunteer/check-in/{attendance.shift_check_in_token(shift)}/")
    assert response.status_code == 400
    assert "confirmed place" in response.content.decode()


# --- Certificates over HTTP ---------------------------------------------------------------------


@pytest.fixture
def certificate(shift, coordinator):
    signup = confirmed_volunteer(shift, user__display_name="张小明")
    move(shift, starts_in=-26 * HOUR, hours=3)
    attendance.signup_hours_approve(actor=coordinator, signup=signup)
    day = shift.starts_at.astimezone(attendance.PLATFORM_ZONE).date()
    return service_certificate_issue(
        actor=signup.volunteer.user,
        volunteer=signup.volunteer,
        organization=shift.task.organization,
        period_start=day,
        period_end=day,
    )


def test_the_volunteer_issues_a_certificate_from_their_page(client, shift, coordinator):
    signup = confirmed_volunteer(shift)
    move(shift, starts_in=-26 * HOUR, hours=3)
    attendance.signup_hours_approve(actor=coordinator, signup=signup)
    client.force_login(signup.volunteer.user)
    page = client.get(_url("my_certificates"))
    assert page.status_code == 200
    day = shift.starts_at.astimezone(attendance.PLATFORM_ZONE).date()
    response = client.post(
        _url("my_certificates"),
        {
            "organization": shift.task.organization.pk,
            "period_start": day.isoformat(),
            "period_end": day.isoformat(),
        },
    )
    certificate = ServiceCertificate.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/volunteer/certificates/{certificate.pk}/")
    assert certificate.minutes == 180


def test_the_certificate_page_and_pdf_are_for_the_volunteer_and_the_organization(
    client, certificate, coordinator, member_of, other_organization
):
    organization = certificate.organization
    for user in (certificate.volunteer.user, coordinator, member_of(organization, Role.OWNER)):
        client.force_login(user)
        page = client.get(_url("certificate_detail", certificate.pk))
        assert page.status_code == 200
        assert "张小明" in page.content.decode()
        pdf = client.get(_url("certificate_pdf", certificate.pk))
        assert pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-")
    for stranger in (
        member_of(other_organization, Role.OWNER),
        member_of(other_organization, Role.COORDINATOR),
        member_of(organization, Role.EDITOR),
        confirmed_volunteer(ShiftFactory()).volunteer.user,
    ):
        client.force_login(stranger)
        assert client.get(_url("certificate_detail", certificate.pk)).status_code == 404
        assert client.get(_url("certificate_pdf", certificate.pk)).status_code == 404
        assert (
            client.post(_url("certificate_revoke", certificate.pk), {"reason": "x"}).status_code
            == 404
        )
    assert not ServiceCertificate.objects.get().is_revoked


def test_the_public_check_shows_only_the_masked_name_hours_organization_and_date(
    client, certificate
):
    response = client.get(f"/en/certificates/verify/{certificate.verification_code}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "张*明" in html and "张小明" not in html
    assert certificate.volunteer.volunteer_number not in html
    assert certificate.number not in html
    assert certificate.organization.name in html
    assert "This certificate is valid" in html
    assert "3 hours" in html
    # Lower case (typed from paper) finds it too.
    lower = client.get(f"/en/certificates/verify/{certificate.verification_code.lower()}/")
    assert lower.status_code == 200


def test_a_revoked_certificate_says_so_with_its_date(client, certificate, member_of):
    owner = member_of(certificate.organization, Role.OWNER)
    client.force_login(owner)
    client.post(_url("certificate_revoke", certificate.pk), {"reason": "Issued in error"})
    client.logout()
    html = client.get(f"/en/certificates/verify/{certificate.verification_code}/").content.decode()
    assert "has been revoked" in html
    revoked = ServiceCertificate.objects.get()
    assert revoked.revoked_at.astimezone(attendance.PLATFORM_ZONE).strftime("%Y-%m-%d") in html


def test_a_coordinator_cannot_revoke(client, certificate, coordinator):
    client.force_login(coordinator)
    client.post(_url("certificate_revoke", certificate.pk), {"reason": "x"})
    assert not ServiceCertificate.objects.get().is_revoked


def test_an_unknown_code_is_a_404_that_says_not_found(client, certificate):
    response = client.get("/en/certificates/verify/AAAAAAAAAAAAAAAA/")
    assert response.status_code == 404
    assert "No certificate has this verification code" in response.content.decode()


def test_the_coordinator_issues_a_certificate_for_a_completed_shift(client, shift, coordinator):
    signup = confirmed_volunteer(shift)
    move(shift, starts_in=-26 * HOUR, hours=3)
    client.force_login(coordinator)
    # Not before the hours are approved.
    response = client.post(_url("certificate_for_signup", shift.pk, signup.pk))
    assert response.status_code == 404
    attendance.signup_hours_approve(actor=coordinator, signup=signup)
    response = client.post(_url("certificate_for_signup", shift.pk, signup.pk))
    certificate = ServiceCertificate.objects.get()
    assert response["Location"].endswith(f"/volunteer/certificates/{certificate.pk}/")
    assert (certificate.issued_by, certificate.volunteer, certificate.minutes) == (
        coordinator,
        signup.volunteer,
        180,
    )


def test_roster_contacts_follow_the_one_rule_and_queries_do_not_grow(
    client, shift, coordinator, member_of
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from volunteers.selectors import volunteer_contact_visible_to, volunteer_contacts_visible_to

    signups = [confirmed_volunteer(shift) for _ in range(3)]
    elsewhere = confirmed_volunteer(ShiftFactory())  # confirmed only on another org's shift
    profiles = [s.volunteer for s in signups] + [elsewhere.volunteer]
    viewers = [
        coordinator,
        member_of(shift.task.organization, Role.EDITOR),
        signups[0].volunteer.user,
        elsewhere.volunteer.user,
    ]
    for viewer in viewers:
        expected = {p.pk for p in profiles if volunteer_contact_visible_to(viewer, p)}
        assert volunteer_contacts_visible_to(viewer, profiles) == expected

    def roster_queries() -> int:
        client.force_login(coordinator)
        client.get(_url("roster", shift.pk))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url("roster", shift.pk)).status_code == 200
        return len(queries)

    few = roster_queries()
    for _ in range(5):
        confirmed_volunteer(shift)
    assert roster_queries() == few
