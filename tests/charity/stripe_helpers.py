"""Stripe events for tests, built from Stripe's published example objects and really signed."""

import json
import secrets
import time

import stripe
from django.conf import settings

from charity.gateway import example


def event(event_type: str, obj: dict, **fields) -> dict:
    return example(
        "event",
        id=f"evt_test{secrets.token_hex(10)}",
        type=event_type,
        data={"object": obj},
        created=int(time.time()),
        livemode=False,
        **fields,
    )


def signature(body: str, *, secret: str | None = None, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(
        body, secret or settings.STRIPE_WEBHOOK_SECRET, timestamp=timestamp or int(time.time())
    )


def deliver(client, payload: dict, **signing):
    body = json.dumps(payload)
    return client.post(
        "/stripe/webhook/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature(body, **signing),
    )


def checkout_session(donation, **fields) -> dict:
    values = {
        "id": donation.stripe_checkout_session_id or f"cs_test{secrets.token_hex(8)}",
        "mode": "payment",
        "status": "complete",
        "payment_status": "paid",
        "amount_total": donation.amount,
        "currency": donation.currency.lower(),
        "client_reference_id": str(donation.pk),
        "metadata": {"donation": str(donation.pk)},
        "payment_intent": f"pi_test{donation.pk:08d}",
    }
    values.update(fields)
    return example("checkout.session", **values)


def invoice(gift, *, number: int, billing_reason="subscription_cycle", **fields) -> dict:
    values = {
        "id": f"in_test{gift.pk:04d}{number:04d}",
        "billing_reason": billing_reason,
        "status": "paid",
        "amount_paid": gift.amount,
        "currency": gift.currency.lower(),
        "customer": "cus_test1",
        "subscription": None,
        "parent": {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {
                "subscription": f"sub_test{gift.pk:06d}",
                "metadata": {"recurring_gift": str(gift.pk)},
            },
        },
        "payments": {
            "object": "list",
            "data": [
                {
                    "object": "invoice_payment",
                    "payment": {
                        "type": "payment_intent",
                        "payment_intent": f"pi_testinv{gift.pk:04d}{number:04d}",
                    },
                }
            ],
        },
        "status_transitions": {"paid_at": int(time.time()), "finalized_at": None},
    }
    values.update(fields)
    return example("invoice", **values)
