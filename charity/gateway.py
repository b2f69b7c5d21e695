"""The payment gateway: Stripe through its official SDK, or the local test gateway without keys.

Services call `gateway()` and never the SDK directly, so the offline stand-in follows exactly the
same path; every POST carries an idempotency key so that a retried request never charges twice.
"""

import copy
import json
import secrets
import time
from functools import cache
from pathlib import Path

import stripe
from django.conf import settings

_EXAMPLES = Path(__file__).with_name("stripe_examples.json")

# Stripe's payment methods that can take each currency in Checkout. Monthly gifts are card-only:
# Alipay and WeChat Pay do not support subscriptions.
PAYMENT_METHODS = {
    "CNY": ["card", "alipay", "wechat_pay"],
    "HKD": ["card", "alipay", "wechat_pay"],
    "USD": ["card", "alipay", "wechat_pay"],
}
SUBSCRIPTION_PAYMENT_METHODS = ["card"]

# A donor waits on the donate page while Stripe answers: the SDK's default (80 s, three tries)
# would outlast the app server's request timeout (gunicorn: 30 s), which kills the request midway.
# Two tries of 10 s, the second with the same idempotency key, end in a clear message instead.
STRIPE_TIMEOUT_SECONDS = 10
STRIPE_NETWORK_RETRIES = 1


@cache
def stripe_example(resource: str) -> dict:
    """A fresh copy of Stripe's published example object of a resource ("checkout.session")."""
    return json.loads(_EXAMPLES.read_text())["resources"][resource]


def example(resource: str, **fields) -> dict:
    obj = copy.deepcopy(stripe_example(resource))
    obj.update(fields)
    return obj


class StripeGateway:
    """Stripe's API, through the official SDK."""

    def __init__(self, api_key: str, *, api_base: str = stripe.DEFAULT_API_BASE):
        # `api_base` is Stripe's own address except where a Stripe-compatible stand-in answers
        # (the production end-to-end test, the fault tests and the load benchmark run one).
        self.client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base},
            http_client=stripe.RequestsClient(timeout=STRIPE_TIMEOUT_SECONDS),
            max_network_retries=STRIPE_NETWORK_RETRIES,
        )

    def create_checkout_session(self, params: dict, *, idempotency_key: str) -> dict:
        session = self.client.v1.checkout.sessions.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
        return {"id": session.id, "url": session.url}

    def retrieve_payment_intent(self, payment_intent_id: str) -> dict:
        return self.client.v1.payment_intents.retrieve(payment_intent_id).to_dict()

    def retrieve_subscription(self, subscription_id: str) -> dict:
        return self.client.v1.subscriptions.retrieve(subscription_id).to_dict()

    def retrieve_invoice_payment_intent(self, invoice_id: str) -> str | None:
        """The payment intent that paid an invoice (newer API versions list it under payments)."""
        invoice = self.client.v1.invoices.retrieve(
            invoice_id, params={"expand": ["payments"]}
        ).to_dict()
        return invoice_payment_intent(invoice)

    def list_refunds(self, payment_intent_id: str) -> list[dict]:
        refunds = self.client.v1.refunds.list(
            params={"payment_intent": payment_intent_id, "limit": 100}
        )
        return [refund.to_dict() for refund in refunds.auto_paging_iter()]

    def create_refund(
        self, *, payment_intent_id: str, amount: int, metadata: dict, idempotency_key: str
    ) -> dict:
        refund = self.client.v1.refunds.create(
            params={"payment_intent": payment_intent_id, "amount": amount, "metadata": metadata},
            options={"idempotency_key": idempotency_key},
        )
        return refund.to_dict()

    def cancel_subscription(self, subscription_id: str, *, idempotency_key: str) -> dict:
        return self.client.v1.subscriptions.cancel(
            subscription_id, options={"idempotency_key": idempotency_key}
        ).to_dict()


def invoice_payment_intent(invoice: dict) -> str | None:
    if invoice.get("payment_intent"):
        pi = invoice["payment_intent"]
        return pi if isinstance(pi, str) else pi.get("id")
    for payment in (invoice.get("payments") or {}).get("data", []):
        pi = (payment.get("payment") or {}).get("payment_intent")
        if pi:
            return pi if isinstance(pi, str) else pi.get("id")
    return None


def invoice_subscription(invoice: dict) -> tuple[str | None, dict]:
    """The subscription an invoice bills and that subscription's metadata, in either API shape."""
    details = ((invoice.get("parent") or {}).get("subscription_details")) or {}
    subscription = details.get("subscription") or invoice.get("subscription")
    if isinstance(subscription, dict):
        return subscription.get("id"), subscription.get("metadata") or {}
    return subscription, details.get("metadata") or {}


def new_id(prefix: str) -> str:
    return f"{prefix}_test{secrets.token_hex(12)}"


def now_timestamp() -> int:
    return int(time.time())


def gateway():
    """Stripe when keys are configured; otherwise the local test gateway (never in production)."""
    if settings.STRIPE_SECRET_KEY:
        return StripeGateway(settings.STRIPE_SECRET_KEY, api_base=settings.STRIPE_API_BASE)
    from .test_gateway import LocalTestGateway

    return LocalTestGateway()
