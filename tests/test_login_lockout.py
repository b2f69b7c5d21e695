"""Login lockout (django-axes behind allauth's login form): wrong passwords for one email from one
address lock that pair for a cool-off, with a page that says so; nobody else is locked."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import translation

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER = "198.51.100.66"
ELSEWHERE = "203.0.113.10"


@pytest.fixture(autouse=True)
def lockout_settings(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.TRUSTED_PROXY_COUNT = 0


def log_in(client, email, password, ip=ATTACKER):
    with translation.override("en"):
        return client.post(
            "/en/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=ip
        )


def logged_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def fail_five_times(client, email):
    for attempt in range(5):
        response = log_in(client, email, f"wrong-{attempt}")
        # Wrong passwords before the limit get the ordinary form error.
        assert response.status_code in (200, 429)


def test_five_wrong_passwords_lock_that_email_from_that_address(client):
    user = UserFactory()
    for attempt in range(4):
        response = log_in(client, user.email, f"wrong-{attempt}")
        assert response.status_code == 200
        assert "not correct" in response.content.decode()

    locked = log_in(client, user.email, "wrong-4")

    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Login temporarily locked" in body
    assert "Please try again in 15 minutes." in body
    assert int(locked["Retry-After"]) == 15 * 60


def test_the_right_password_is_refused_during_the_lock(client):
    user = UserFactory()
    fail_five_times(client, user.email)

    response = log_in(client, user.email, PASSWORD)

    assert response.status_code == 429
    assert not logged_in(response)
    assert "Login temporarily locked" in response.content.decode()


def test_the_email_in_other_case_is_the_same_account(client):
    user = UserFactory(email="ann.li@example.org")
    fail_five_times(client, user.email)
    assert log_in(client, "Ann.Li@Example.org", PASSWORD).status_code == 429


def test_the_same_email_from_another_address_is_not_locked(client):
    user = UserFactory()
    fail_five_times(client, user.email)
    assert logged_in(log_in(client, user.email, PASSWORD, ip=ELSEWHERE))


def test_another_email_from_the_same_address_is_not_locked(client):
    victim, other = UserFactory(), UserFactory()
    fail_five_times(client, victim.email)
    assert logged_in(log_in(client, other.email, PASSWORD))


def test_after_the_cool_off_the_right_password_works_again(client):
    user = UserFactory()
    fail_five_times(client, user.email)
    assert log_in(client, user.email, PASSWORD).status_code == 429

    # Sixteen minutes pass since the last failure.
    attempts = AccessAttempt.objects.filter(username=user.email, ip_address=ATTACKER)
    assert attempts.exists()
    for attempt in attempts:
        attempt.attempt_time -= timedelta(minutes=16)
        attempt.save(update_fields=["attempt_time"])

    assert logged_in(log_in(client, user.email, PASSWORD))


def test_fourteen_minutes_are_not_enough(client):
    user = UserFactory()
    fail_five_times(client, user.email)
    AccessAttempt.objects.filter(username=user.email).update(
        attempt_time=AccessAttempt.objects.get(username=user.email).attempt_time
        - timedelta(minutes=14)
    )
    assert log_in(client, user.email, PASSWORD).status_code == 429


def test_a_successful_login_clears_earlier_failures(client):
    user = UserFactory()
    for attempt in range(4):
        log_in(client, user.email, f"wrong-{attempt}")
    assert logged_in(log_in(client, user.email, PASSWORD))
    client.logout()
    # A fresh count: four more mistakes do not lock.
    for attempt in range(4):
        assert log_in(client, user.email, f"again-{attempt}").status_code == 200
    assert logged_in(log_in(client, user.email, PASSWORD))


def test_the_wagtail_admin_login_is_locked_too(client):
    """The back office has its own login form; it goes through the same lockout."""
    admin = UserFactory(is_staff=True, is_superuser=True)
    fail_five_times(client, admin.email)
    with translation.override("en"):
        response = client.post(
            "/cms-admin/login/",
            {"username": admin.email, "password": PASSWORD},
            REMOTE_ADDR=ATTACKER,
        )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
