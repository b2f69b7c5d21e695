"""The local test gateway: stands in for Stripe when no keys are set (`make run`, the tests).

Like django-payments' dummy provider, it shows its own clearly labelled payment page instead of
Stripe's, keeps Stripe-shaped objects (built from Stripe's published examples), and tells the site
what happened the way Stripe does: correctly signed events POSTed to the same webhook endpoint.
It never runs in production: the settings refuse to start without real keys there, and its URLs
are only mounted when STRIPE_TEST_GATEWAY is on.
"""

import json
import logging
from contextlib import contextmanager
from urllib.parse import urlsplit

import requests
import stripe
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from .gateway import example, invoice_payment_intent, new_id, now_timestamp
from .models.test_gateway import TestGatewayObject

logger = logging.getLogger(__name__)


class LocalTestGateway:
    # --- the StripeGateway interface -----------------------------------------------------------

    def create_checkout_session(self, params: dict, *, idempotency_key: str) -> dict:
        existing = TestGatewayObject.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing.data
        line = params["line_items"][0]["price_data"]
        session_id = new_id("cs")
        session = example(
            "checkout.session",
            id=session_id,
            mode=params["mode"],
            status="open",
            payment_status="unpaid",
            amount_total=line["unit_amount"],
            amount_subtotal=line["unit_amount"],
            currency=line["currency"],
            client_reference_id=params.get("client_reference_id"),
            customer_email=params.get("customer_email"),
            metadata=params.get("metadata", {}),
            success_url=params["success_url"],
            cancel_url=params["cancel_url"],
            payment_method_types=params.get("payment_method_types", ["card"]),
            payment_intent=None,
            subscription=None,
            customer=None,
            invoice=None,
            created=now_timestamp(),
            url=reverse("test_gateway_checkout", args=[session_id]),
        )
        # What the session will put on the objects it creates when paid.
        session["_intent_metadata"] = (params.get("payment_intent_data") or {}).get("metadata", {})
        session["_subscription_metadata"] = (params.get("subscription_data") or {}).get(
            "metadata", {}
        )
        session["_description"] = line["product_data"]["name"]
        # The site that opened the session, where its events go (any host and port in dev).
        session["_site"] = _site_of(params["success_url"])
        _store(session, idempotency_key=idempotency_key)
        return session

    def retrieve_payment_intent(self, payment_intent_id: str) -> dict:
        return _load(payment_intent_id)

    def retrieve_subscription(self, subscription_id: str) -> dict:
        return _load(subscription_id)

    def retrieve_invoice_payment_intent(self, invoice_id: str) -> str | None:
        return invoice_payment_intent(_load(invoice_id))

    def list_refunds(self, payment_intent_id: str) -> list[dict]:
        return [
            obj.data
            for obj in TestGatewayObject.objects.filter(type="refund").order_by("created_at")
            if obj.data["payment_intent"] == payment_intent_id
        ]

    def create_refund(
        self, *, payment_intent_id: str, amount: int, metadata: dict, idempotency_key: str
    ) -> dict:
        existing = TestGatewayObject.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing.data
        intent = _load(payment_intent_id)
        refund = example(
            "refund",
            id=new_id("re"),
            amount=amount,
            currency=intent["currency"],
            status="succeeded",
            payment_intent=payment_intent_id,
            charge=intent["latest_charge"],
            metadata=metadata,
            created=now_timestamp(),
        )
        refund["_site"] = intent["_site"]
        _store(refund, idempotency_key=idempotency_key)
        charge = _load(intent["latest_charge"])
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        _store(charge)
        _send_after_commit("refund.created", refund)
        _send_after_commit("charge.refunded", charge)
        return refund

    def cancel_subscription(self, subscription_id: str, *, idempotency_key: str) -> dict:
        subscription = _load(subscription_id)
        if subscription["status"] != "canceled":
            subscription |= {"status": "canceled", "canceled_at": now_timestamp()}
            _store(subscription)
            _send_after_commit("customer.subscription.deleted", subscription)
        return subscription

    # --- what the test payment page does ------------------------------------------------------

    def pay(self, session_id: str, *, method: str = "card") -> dict:
        """The donor pays on the test page: the objects Stripe would create, and its events."""
        session = _load(session_id)
        if session["status"] != "open":
            return session
        customer = new_id("cus")
        session |= {"status": "complete", "payment_status": "paid", "customer": customer}
        if session["mode"] == "subscription":
            subscription = example(
                "subscription",
                id=new_id("sub"),
                customer=customer,
                status="active",
                metadata=session["_subscription_metadata"],
                currency=session["currency"],
                created=now_timestamp(),
                start_date=now_timestamp(),
                canceled_at=None,
                items={"object": "list", "data": [], "has_more": False},
            )
            subscription["_amount"] = session["amount_total"]
            subscription["_site"] = session["_site"]
            _store(subscription)
            session["subscription"] = subscription["id"]
            _store(session)
            _send_after_commit("checkout.session.completed", session)
            self.bill_month(subscription["id"], first=True, method=method)
        else:
            intent = _paid_intent(
                session["amount_total"],
                session["currency"],
                session["_intent_metadata"],
                method,
                site=session["_site"],
            )
            session["payment_intent"] = intent["id"]
            _store(session)
            _send_after_commit("checkout.session.completed", session)
        return session

    def expire(self, session_id: str) -> dict:
        session = _load(session_id)
        if session["status"] == "open":
            session["status"] = "expired"
            _store(session)
            _send_after_commit("checkout.session.expired", session)
        return session

    def bill_month(self, subscription_id: str, *, first: bool = False, method: str = "card"):
        """Stripe's monthly invoice for a subscription, paid (each becomes a donation)."""
        subscription = _load(subscription_id)
        if subscription["status"] != "active":
            return None
        amount = subscription["_amount"]
        intent = _paid_intent(
            amount, subscription["currency"], {}, method, site=subscription["_site"]
        )
        invoice = example(
            "invoice",
            id=new_id("in"),
            customer=subscription["customer"],
            status="paid",
            billing_reason="subscription_create" if first else "subscription_cycle",
            amount_due=amount,
            amount_paid=amount,
            amount_remaining=0,
            currency=subscription["currency"],
            subscription=None,
            parent={
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {
                    "subscription": subscription_id,
                    "metadata": subscription["metadata"],
                },
            },
            payments={
                "object": "list",
                "data": [
                    {
                        "object": "invoice_payment",
                        "payment": {"type": "payment_intent", "payment_intent": intent["id"]},
                    }
                ],
                "has_more": False,
            },
            status_transitions={"paid_at": now_timestamp(), "finalized_at": now_timestamp()},
            created=now_timestamp(),
        )
        invoice["_site"] = subscription["_site"]
        _store(invoice)
        _send_after_commit("invoice.paid", invoice)
        return invoice


def _paid_intent(amount: int, currency: str, metadata: dict, method: str, *, site: str) -> dict:
    intent_id, charge_id = new_id("pi"), new_id("ch")
    charge = example(
        "charge",
        id=charge_id,
        amount=amount,
        amount_captured=amount,
        amount_refunded=0,
        refunded=False,
        captured=True,
        paid=True,
        status="succeeded",
        currency=currency,
        payment_intent=intent_id,
        metadata=metadata,
        payment_method_details={"type": method},
        created=now_timestamp(),
    )
    intent = example(
        "payment_intent",
        id=intent_id,
        amount=amount,
        amount_received=amount,
        currency=currency,
        status="succeeded",
        metadata=metadata,
        latest_charge=charge_id,
        payment_method_types=[method],
        created=now_timestamp(),
    )
    charge["_site"] = intent["_site"] = site
    _store(charge)
    _store(intent)
    return intent


def _store(obj: dict, *, idempotency_key: str | None = None) -> None:
    fields = {"type": obj["object"], "data": obj}
    if idempotency_key:
        fields["idempotency_key"] = idempotency_key
    TestGatewayObject.objects.update_or_create(id=obj["id"], defaults=fields)


def _load(object_id: str) -> dict:
    return TestGatewayObject.objects.get(pk=object_id).data


def build_event(event_type: str, obj: dict) -> dict:
    public = {key: value for key, value in obj.items() if not key.startswith("_")}
    return example(
        "event",
        id=new_id("evt"),
        type=event_type,
        data={"object": public},
        created=now_timestamp(),
        livemode=False,
        pending_webhooks=1,
        request={"id": None, "idempotency_key": None},
    )


def signed(payload: dict) -> tuple[str, str]:
    body = json.dumps(payload)
    header = stripe.WebhookSignature.generate_signature_header(
        body, settings.STRIPE_WEBHOOK_SECRET, timestamp=now_timestamp()
    )
    return body, header


def _site_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else settings.WAGTAILADMIN_BASE_URL


def post_event(body: str, header: str, site: str) -> int:
    """Deliver to the site's webhook over HTTP, as Stripe would; a lost delivery is logged
    (Stripe would retry it; here the next action on the gift resends what matters)."""
    url = f"{site.rstrip('/')}{reverse('stripe_webhook')}"
    try:
        response = requests.post(
            url,
            data=body.encode(),
            headers={"Content-Type": "application/json", "Stripe-Signature": header},
            timeout=30,
        )
    except requests.RequestException as error:
        logger.warning("The test gateway could not deliver an event to %s: %s", url, error)
        return 0
    return response.status_code


def _send_after_commit(event_type: str, obj: dict) -> None:
    body, header = signed(build_event(event_type, obj))
    site = obj.get("_site") or settings.WAGTAILADMIN_BASE_URL
    if _delivery is not None:
        _delivery(body, header, site)  # in process: the objects it refers to are already stored
    else:
        transaction.on_commit(lambda: post_event(body, header, site))


_delivery = None


@contextmanager
def events_applied_in_process():
    """Apply the gateway's events in this process, through the same verification and state
    machine, when no web server is there to receive them (seed_demo)."""
    global _delivery

    def apply(body: str, header: str, site: str) -> int:
        from . import services

        stripe.Webhook.construct_event(body, header, settings.STRIPE_WEBHOOK_SECRET)
        event, _created = services.stripe_event_record(payload=json.loads(body))
        services.stripe_event_apply(event_id=event.id)
        return 200

    previous, _delivery = _delivery, apply
    try:
        yield
    finally:
        _delivery = previous
