import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import override_settings

from charity.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_signup_requires_email_verification_before_login(client):
    response = client.post(
        "/en/accounts/signup/",
        {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert "/accounts/confirm-email/" in response["Location"]
    user = User.objects.get(email="new@example.org")
    assert not EmailAddress.objects.get(user=user).verified
    assert "_auth_user_id" not in client.session
    assert user.preferred_language == "en"

    # Logging in before confirming sends you back to the verification notice.
    response = client.post(
        "/en/accounts/login/", {"login": "new@example.org", "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session

    confirm_path = re.search(
        r"https?://[^/]+(/en/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body
    ).group(1)
    assert client.post(confirm_path).status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    response = client.post(
        "/en/accounts/login/", {"login": "new@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_weak_passwords_are_refused(client):
    response = client.post(
        "/en/accounts/signup/",
        {"email": "weak@example.org", "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="weak@example.org").exists()


def test_email_is_unique_regardless_of_case(client):
    UserFactory(email="taken@example.org")
    client.post(
        "/en/accounts/signup/",
        {"email": "Taken@Example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert User.objects.filter(email__iexact="taken@example.org").count() == 1


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "3/5m/key"})
def test_repeated_failed_logins_lock_the_account_for_a_while(client):
    user = UserFactory(email="target@example.org")
    for _ in range(3):
        client.post("/en/accounts/login/", {"login": user.email, "password": "wrong-password"})
    response = client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_account_pages_are_in_the_site_design_and_both_languages(client):
    chinese = client.get("/zh-hans/accounts/login/").content.decode()
    english = client.get("/en/accounts/login/").content.decode()
    assert "登录" in chinese
    assert "Sign In" in english or "Log in" in english
    for page in (chinese, english):
        assert "/static/css/site.css" in page
        assert 'class="site-header' in page
