"""Giving: the donate form opens a Stripe Checkout Session for exactly what the server decided."""

import importlib
from urllib.parse import parse_qs

import pytest
import responses
from django.core import mail
from django.test import Client
from django.urls import clear_url_caches

from charity.gateway import STRIPE_NETWORK_RETRIES
from charity.models import (
    Donation,
    DonationStatus,
    LedgerEntry,
    ProjectStatus,
    RecurringGift,
    TestGatewayObject,
)
from charity.selectors import project_totals
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

SESSIONS = "https://api.stripe.com/v1/checkout/sessions"
GUEST = {
    "preset": "20000",
    "frequency": "one_off",
    "donor_name": "张伟",
    "donor_email": "zhang.wei@example.com",
    "message": "加油",
}


@pytest.fixture
def project():
    return ProjectFactory(title="冬衣计划", currency="CNY")


@pytest.fixture
def stripe_api(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_shanxin"
    with responses.RequestsMock() as mocked:
        yield mocked


def give_url(project, language="zh-hans"):
    return f"/{language}/give/{project.pk}/"


def sent_form(call) -> dict:
    return {key: values[0] for key, values in parse_qs(call.request.body).items()}


def test_a_guest_gift_opens_a_checkout_session_for_the_server_side_amount(
    client, project, stripe_api
):
    stripe_api.post(
        SESSIONS,
        json={
            "id": "cs_test_1",
            "object": "checkout.session",
            "url": "https://checkout.stripe.com/c/pay/cs_test_1",
        },
    )
    response = client.post(give_url(project), GUEST)
    assert response.status_code == 302
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_1"
    donation = Donation.objects.get()
    assert (donation.amount, donation.currency, donation.status) == (20_000, "CNY", "pending")
    assert donation.stripe_checkout_session_id == "cs_test_1"
    assert (donation.donor_name, donation.donor_email, donation.message) == (
        "张伟",
        "zhang.wei@example.com",
        "加油",
    )
    assert donation.language == "zh-hans"

    call = stripe_api.calls[0]
    assert call.request.headers["Idempotency-Key"] == f"shanxin-checkout-{donation.pk}"
    assert call.request.headers["Authorization"] == "Bearer sk_test_shanxin"
    sent = sent_form(call)
    assert sent["mode"] == "payment"
    assert sent["line_items[0][price_data][unit_amount]"] == "20000"
    assert sent["line_items[0][price_data][currency]"] == "cny"
    assert sent["line_items[0][quantity]"] == "1"
    methods = parse_qs(call.request.body)
    assert [methods[f"payment_method_types[{i}]"][0] for i in range(3)] == [
        "card",
        "alipay",
        "wechat_pay",
    ]
    assert sent["metadata[donation]"] == str(donation.pk)
    assert sent["payment_intent_data[metadata][donation]"] == str(donation.pk)
    assert sent["customer_email"] == "zhang.wei@example.com"
    assert sent["locale"] == "zh"
    assert sent["success_url"].endswith(f"/zh-hans/donations/{donation.guest_token}/thanks/")


def test_a_custom_amount_in_yuan_becomes_fen(client, project, stripe_api):
    stripe_api.post(SESSIONS, json={"id": "cs_test_2", "url": "https://checkout.stripe.com/x"})
    data = GUEST | {"preset": "", "custom_amount": "88.80"}
    assert client.post(give_url(project, "en"), data).status_code == 302
    assert Donation.objects.get().amount == 8_880
    assert sent_form(stripe_api.calls[0])["line_items[0][price_data][unit_amount]"] == "8880"
    assert sent_form(stripe_api.calls[0])["locale"] == "en"


def test_a_monthly_gift_is_a_card_subscription(client, project, member_of, stripe_api):
    donor = member_of(project.organization)  # any logged-in donor
    client.force_login(donor)
    stripe_api.post(SESSIONS, json={"id": "cs_test_3", "url": "https://checkout.stripe.com/m"})
    response = client.post(
        give_url(project), {"preset": "10000", "frequency": "monthly", "donor_name": "Wang"}
    )
    assert response.status_code == 302
    gift = RecurringGift.objects.get()
    donation = Donation.objects.get()
    assert (gift.amount, gift.donor, donation.donor, donation.recurring_gift) == (
        10_000,
        donor,
        donor,
        gift,
    )
    sent = sent_form(stripe_api.calls[0])
    assert sent["mode"] == "subscription"
    assert sent["line_items[0][price_data][recurring][interval]"] == "month"
    assert sent["payment_method_types[0]"] == "card"
    assert "payment_method_types[1]" not in sent
    assert sent["subscription_data[metadata][recurring_gift]"] == str(gift.pk)
    assert sent["customer_email"] == donor.email


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"preset": "", "custom_amount": "0.50"}, None),  # under the ¥1 minimum
        ({"preset": "", "custom_amount": "2000000"}, None),  # over the maximum
        ({"preset": "", "custom_amount": "abc"}, "custom_amount"),
        ({"preset": "", "custom_amount": "1.234"}, "custom_amount"),
        ({"preset": "", "custom_amount": ""}, "custom_amount"),
        ({"preset": "999999999"}, "preset"),  # not one of the offered amounts
        ({"donor_email": ""}, "donor_email"),
        ({"frequency": "weekly"}, "frequency"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_created_or_sent(
    client, project, stripe_api, change, field
):
    response = client.post(give_url(project), GUEST | change)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    if field:
        assert field in form.errors
    assert not Donation.objects.exists()
    assert not stripe_api.calls


def test_a_project_that_is_not_fundraising_takes_no_gift(client, stripe_api):
    closed = ProjectFactory(status=ProjectStatus.CLOSED)
    response = client.post(give_url(closed), GUEST)
    assert response.status_code == 200
    assert not Donation.objects.exists()
    assert not stripe_api.calls
    draft = ProjectFactory(status=ProjectStatus.DRAFT)
    assert client.get(give_url(draft)).status_code == 404
    assert client.get("/zh-hans/give/999999/").status_code == 404


def test_when_stripe_is_down_nothing_is_charged_and_the_donor_is_told(
    client, project, stripe_api, settings
):
    for _attempt in range(STRIPE_NETWORK_RETRIES + 1):
        stripe_api.post(SESSIONS, status=503, json={"error": {"message": "down"}})
    response = client.post(give_url(project), GUEST)
    assert response.status_code == 200
    assert (
        "payment service could not be reached" in response.content.decode()
        or "无法连接支付服务" in response.content.decode()
    )
    assert Donation.objects.get().status == DonationStatus.FAILED


@pytest.fixture
def webhook_through_test_client(monkeypatch):
    """The test gateway posts its signed events over HTTP; here no server listens, so hand them
    to the same endpoint through Django's test client."""
    webhook_client = Client()

    def post(body, header, site):
        return webhook_client.post(
            "/stripe/webhook/",
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        ).status_code

    monkeypatch.setattr("charity.test_gateway.post_event", post)


def test_without_keys_the_local_test_gateway_completes_the_gift(
    client, project, webhook_through_test_client, django_capture_on_commit_callbacks
):
    response = client.post(give_url(project), GUEST)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Test payment gateway" in page.content.decode() or "测试" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(response["Location"], {"action": "pay", "method": "alipay"})
    donation = Donation.objects.get()
    assert paid.status_code == 302
    assert paid["Location"].endswith(f"/donations/{donation.guest_token}/thanks/")
    assert donation.status == DonationStatus.SUCCEEDED
    assert LedgerEntry.objects.get().amount == 20_000
    assert project_totals(projects=[project])[project.pk].raised == 20_000
    assert [message.to for message in mail.outbox] == [["zhang.wei@example.com"]]
    assert TestGatewayObject.objects.filter(type="payment_intent").count() == 1


def test_a_monthly_gift_through_the_test_gateway_gives_its_first_month(
    client, project, webhook_through_test_client, django_capture_on_commit_callbacks
):
    response = client.post(give_url(project), GUEST | {"frequency": "monthly", "preset": "5000"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], {"action": "pay"})
    gift = RecurringGift.objects.get()
    assert gift.status == "active"
    assert gift.stripe_subscription_id.startswith("sub_")
    assert list(Donation.objects.values_list("status", "amount")) == [("succeeded", 5_000)]


def test_the_test_gateway_does_not_exist_when_stripe_keys_are_set(settings):
    import config.urls

    settings.STRIPE_SECRET_KEY = "sk_live_example"
    settings.STRIPE_TEST_GATEWAY = False
    try:
        clear_url_caches()
        importlib.reload(config.urls)
        assert Client().get("/test-gateway/checkout/cs_test_x/", follow=True).status_code == 404
        assert not any("test-gateway" in str(p.pattern) for p in config.urls.urlpatterns)
    finally:
        settings.STRIPE_TEST_GATEWAY = True
        importlib.reload(config.urls)
        clear_url_caches()
