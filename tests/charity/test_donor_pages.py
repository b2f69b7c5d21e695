"""Donors' own pages: a gift by its private link, thanks, receipt, and "My donations"."""

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext

from charity.models import (
    DonationFrequency,
    DonationStatus,
    RecurringGiftStatus,
    Refund,
)
from tests.cms.conftest import Site
from tests.factories import DonationFactory, RecurringGiftFactory, UserFactory

pytestmark = pytest.mark.django_db


def GiftFactory(*, pending=False, **fields):
    """A received online gift with its receipt number (pending=True: still awaiting payment)."""
    return DonationFactory(received=not pending, **fields)


def MonthlyFactory(**fields):
    return RecurringGiftFactory(**{"status": RecurringGiftStatus.ACTIVE, **fields})


class FakeGateway:
    """Stands in for Stripe: records which subscriptions it was asked to cancel."""

    def __init__(self):
        self.cancelled = []

    def cancel_subscription(self, subscription_id, *, idempotency_key):
        self.cancelled.append(subscription_id)
        return {"id": subscription_id, "status": "canceled"}


@pytest.fixture
def gateway(monkeypatch):
    fake = FakeGateway()
    monkeypatch.setattr("charity.services.donations.gateway", lambda: fake)
    return fake


# A gift by its private link -------------------------------------------------------------------


def test_private_link_shows_its_gift_and_never_another(client):
    mine = GiftFactory(amount=12_345, donor_name="Alice Mine", message="For the school roof")
    other = GiftFactory(amount=98_700, donor_name="Bob Other", message="Someone else's note")

    response = client.get(f"/en/donations/{mine.guest_token}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "¥123.45" in html
    assert mine.receipt_number in html
    assert "Alice Mine" in html
    assert "For the school roof" in html
    assert mine.organization.name in html
    assert "Print receipt" in html
    assert f"/en/donations/{mine.guest_token}/receipt/" in html
    for secret in ("¥987", other.receipt_number, "Bob Other", "Someone else", other.guest_token):
        assert secret not in html
    assert 'name="robots" content="noindex' in html
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("suffix", ["", "thanks/", "receipt/"])
def test_unknown_token_is_not_found(client, suffix):
    GiftFactory()
    response = client.get(f"/en/donations/not-a-real-token/{suffix}")
    assert response.status_code == 404


def test_pending_gift_page_waits_for_the_payment_and_refreshes(client):
    pending = GiftFactory(pending=True)
    received = GiftFactory()

    waiting = client.get(f"/en/donations/{pending.guest_token}/").content.decode()
    done = client.get(f"/en/donations/{received.guest_token}/").content.decode()

    assert "confirming your payment" in waiting
    assert 'http-equiv="refresh"' in waiting
    assert "Print receipt" not in waiting
    assert 'http-equiv="refresh"' not in done
    assert "confirming your payment" not in done


def test_gift_page_links_the_project_page_in_the_readers_language(client, organization):
    site = Site(organization)
    page = site.add_project(title="山区助学")
    gift = GiftFactory(project=page.project)

    html = client.get(f"/zh-hans/donations/{gift.guest_token}/").content.decode()

    assert f'href="{page.url}"' in html
    assert "山区助学" in html


def test_general_fund_gift_and_refunds_are_shown(client, organization):
    gift = GiftFactory(
        project=None,
        organization=organization,
        amount=50_000,
        status=DonationStatus.PARTIALLY_REFUNDED,
    )
    Refund.objects.create(
        donation=gift, amount=10_000, reason="Double charge", status=Refund.Status.SUCCEEDED
    )

    html = client.get(f"/en/donations/{gift.guest_token}/").content.decode()

    assert "General fund" in html
    assert "Double charge" in html
    assert "¥100 refunded" in html
    assert "Where your money went" in html


def test_failed_gift_says_nothing_was_charged(client):
    gift = GiftFactory(pending=True, status=DonationStatus.FAILED)
    html = client.get(f"/en/donations/{gift.guest_token}/").content.decode()
    assert "did not go through" in html
    assert "Nothing was charged" in html


def test_guest_stops_a_monthly_gift_from_its_private_link(client, gateway):
    monthly = MonthlyFactory(stripe_subscription_id="sub_test_guest")
    gift = GiftFactory(
        project=monthly.project, recurring_gift=monthly, frequency=DonationFrequency.MONTHLY
    )
    page = client.get(f"/en/donations/{gift.guest_token}/").content.decode()
    assert "Stop my monthly gift" in page

    response = client.post(f"/en/donations/{gift.guest_token}/stop-monthly/", follow=True)

    assert gateway.cancelled == ["sub_test_guest"]
    monthly.refresh_from_db()
    assert monthly.status == RecurringGiftStatus.CANCELLING
    assert "is being stopped" in response.content.decode()


def test_stopping_a_one_off_gift_is_not_found(client, gateway):
    gift = GiftFactory()
    response = client.post(f"/en/donations/{gift.guest_token}/stop-monthly/")
    assert response.status_code == 404
    assert gateway.cancelled == []


def test_monthly_gift_not_started_shows_the_reason(client, gateway):
    monthly = MonthlyFactory(stripe_subscription_id=None, status=RecurringGiftStatus.PAST_DUE)
    gift = GiftFactory(project=monthly.project, recurring_gift=monthly)

    response = client.post(f"/en/donations/{gift.guest_token}/stop-monthly/", follow=True)

    assert "has not started yet" in response.content.decode()
    assert gateway.cancelled == []
    monthly.refresh_from_db()
    assert monthly.status == RecurringGiftStatus.PAST_DUE


# Thanks page ----------------------------------------------------------------------------------


def test_thanks_page_follows_the_gifts_state(client):
    pending = GiftFactory(pending=True)
    received = GiftFactory()
    expired = GiftFactory(pending=True, status=DonationStatus.EXPIRED)

    waiting = client.get(f"/en/donations/{pending.guest_token}/thanks/").content.decode()
    thanked = client.get(f"/en/donations/{received.guest_token}/thanks/").content.decode()
    lost = client.get(f"/en/donations/{expired.guest_token}/thanks/").content.decode()

    assert "confirming your payment" in waiting
    assert 'http-equiv="refresh"' in waiting
    assert "Thank you!" in thanked
    assert received.receipt_number in thanked
    assert f'href="/en/donations/{received.guest_token}/"' in thanked
    assert 'http-equiv="refresh"' not in thanked
    assert "not completed" in lost
    assert "Nothing was charged" in lost


def test_thanks_page_only_reads(client):
    pending = GiftFactory(pending=True)
    client.get(f"/en/donations/{pending.guest_token}/thanks/")
    pending.refresh_from_db()
    assert pending.status == DonationStatus.PENDING
    assert pending.receipt_number is None


# Printable receipt ----------------------------------------------------------------------------


def test_receipt_shows_the_donors_own_name_even_when_anonymous(client):
    gift = GiftFactory(donor_name="Chen Jing", is_anonymous=True, amount=88_800)

    response = client.get(f"/en/donations/{gift.guest_token}/receipt/")

    html = response.content.decode()
    assert response.status_code == 200
    assert gift.receipt_number in html
    assert "Chen Jing" in html
    assert "¥888" in html
    assert gift.organization.credit_code in html
    assert "You gave anonymously" in html


def test_receipt_of_a_pending_gift_is_not_found(client):
    gift = GiftFactory(pending=True)
    assert client.get(f"/en/donations/{gift.guest_token}/receipt/").status_code == 404


# My donations ---------------------------------------------------------------------------------


def test_my_donations_needs_a_login(client):
    response = client.get("/en/me/donations/")
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert "next=" in response["Location"]


def test_my_donations_lists_own_and_verified_guest_gifts_only(client):
    user = UserFactory(email="me@example.org")
    EmailAddress.objects.create(user=user, email="old-me@example.org", verified=True)
    EmailAddress.objects.create(user=user, email="maybe-me@example.org", verified=False)
    signed_in = GiftFactory(donor=user, donor_email=user.email, amount=11_100)
    as_guest = GiftFactory(donor_email="Old-Me@Example.org", amount=22_000)
    unverified = GiftFactory(donor_email="maybe-me@example.org", amount=33_300)
    someone_else = GiftFactory(donor=UserFactory(), amount=44_400)
    client.force_login(user)

    html = client.get("/en/me/donations/").content.decode()

    assert "¥111" in html
    assert "¥220" in html
    assert "¥331" in html  # the total given
    assert signed_in.guest_token in html
    assert as_guest.receipt_number in html
    for hidden in (unverified, someone_else):
        assert hidden.guest_token not in html
        assert hidden.receipt_number not in html
    assert "¥333" not in html
    assert "¥444" not in html


def test_my_donations_totals_count_received_money_after_refunds(client):
    user = UserFactory()
    GiftFactory(donor=user, amount=10_000)
    partly = GiftFactory(donor=user, amount=30_000, status=DonationStatus.PARTIALLY_REFUNDED)
    Refund.objects.create(donation=partly, amount=5_000, status=Refund.Status.SUCCEEDED)
    GiftFactory(donor=user, amount=70_000, pending=True)
    GiftFactory(donor=user, amount=1_000, currency="USD")
    client.force_login(user)

    response = client.get("/en/me/donations/")

    summary = response.context["summary"]
    totals = {row["currency"]: row["amount"] for row in summary.totals}
    assert totals == {"CNY": 35_000, "USD": 1_000}
    assert summary.projects == 3  # the pending gift's project is not counted
    assert "¥350" in response.content.decode()


def test_my_donations_is_paginated_newest_first(client):
    user = UserFactory()
    gifts = [GiftFactory(donor=user) for _ in range(23)]
    client.force_login(user)

    first = client.get("/en/me/donations/")
    second = client.get("/en/me/donations/?page=2")

    first_ids = [row.donation.pk for row in first.context["rows"]]
    second_ids = [row.donation.pk for row in second.context["rows"]]
    assert first_ids == [gift.pk for gift in reversed(gifts)][:20]
    assert second_ids == [gift.pk for gift in reversed(gifts)][20:]


def _give(user, n):
    """n gifts of all kinds: signed in, as a guest with the user's address, monthly, refunded."""
    for i in range(n):
        kind = i % 3
        if kind == 0:
            GiftFactory(donor=user)
        elif kind == 1:
            GiftFactory(donor_email=user.email, pending=bool(i % 2))
        else:
            monthly = MonthlyFactory(donor=user)
            gift = GiftFactory(
                donor=user,
                recurring_gift=monthly,
                project=monthly.project,
                status=DonationStatus.PARTIALLY_REFUNDED,
            )
            Refund.objects.create(donation=gift, amount=100, status=Refund.Status.SUCCEEDED)


def test_my_donations_queries_do_not_grow_with_the_gifts(
    client, organization, django_assert_max_num_queries
):
    user = UserFactory()
    site = Site(organization)
    client.force_login(user)
    _give(user, 3)
    GiftFactory(donor=user, project=site.add_project(title="有页面的项目").project)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/en/me/donations/").status_code == 200

    _give(user, 30)
    with django_assert_max_num_queries(len(few)):
        response = client.get("/en/me/donations/")

    assert len(response.context["rows"]) == 20
    assert len(response.context["monthly_gifts"]) == 11


def test_donor_stops_own_monthly_gift(client, gateway):
    user = UserFactory()
    monthly = MonthlyFactory(donor=user, stripe_subscription_id="sub_test_mine")
    client.force_login(user)
    assert "Stop" in client.get("/en/me/donations/").content.decode()

    response = client.post(f"/en/me/donations/monthly/{monthly.pk}/stop/")

    assert response.status_code == 302
    assert response["Location"] == "/en/me/donations/"
    assert gateway.cancelled == ["sub_test_mine"]
    monthly.refresh_from_db()
    assert monthly.status == RecurringGiftStatus.CANCELLING


def test_stopping_someone_elses_monthly_gift_is_not_found(client, gateway):
    owner = UserFactory()
    intruder = UserFactory()
    monthly = MonthlyFactory(donor=owner)
    client.force_login(intruder)

    response = client.post(f"/en/me/donations/monthly/{monthly.pk}/stop/")

    assert response.status_code == 404
    assert gateway.cancelled == []
    monthly.refresh_from_db()
    assert monthly.status == RecurringGiftStatus.ACTIVE


def test_stopping_needs_a_post(client, gateway):
    user = UserFactory()
    monthly = MonthlyFactory(donor=user)
    client.force_login(user)
    assert client.get(f"/en/me/donations/monthly/{monthly.pk}/stop/").status_code == 405
    assert gateway.cancelled == []


def test_stopping_needs_the_csrf_token(gateway):
    from django.test import Client

    user = UserFactory()
    monthly = MonthlyFactory(donor=user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    assert client.post(f"/en/me/donations/monthly/{monthly.pk}/stop/").status_code == 403
    assert gateway.cancelled == []
