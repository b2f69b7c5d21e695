"""Stripe's webhook endpoint: verify, store by id, apply after the response's transaction."""

import json
import logging

import stripe
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services, tasks

logger = logging.getLogger(__name__)


def _check_envelope(payload) -> None:
    """Raise ValueError unless the event has the shape it is stored by: a signed body of another
    shape (an id that is not text, no type) would otherwise fail to store as a server error."""
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        raise ValueError("not an event")
    event_id, event_type = payload.get("id"), payload.get("type")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 255:
        raise ValueError("an event id is text of 1 to 255 characters")
    if not isinstance(event_type, str) or not 0 < len(event_type) <= 100:
        raise ValueError("an event type is text of 1 to 100 characters")
    if not isinstance(payload["data"].get("object"), dict):
        raise ValueError("an event's data.object is an object")


@csrf_exempt
@require_POST
def stripe_webhook(request):
    signature = request.headers.get("Stripe-Signature")
    if not signature:
        return HttpResponseBadRequest("Missing Stripe-Signature header")
    try:
        # On the raw body, with the SDK's default tolerance (300 s) against replays. Only the
        # signature is checked by the SDK: its event builder fails with an AttributeError on a
        # signed body that is JSON but not an object, so the shape is checked here instead.
        body = request.body.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            body, signature, settings.STRIPE_WEBHOOK_SECRET, stripe.Webhook.DEFAULT_TOLERANCE
        )
        payload = json.loads(body)
        _check_envelope(payload)
    except (ValueError, KeyError, TypeError, stripe.SignatureVerificationError) as error:
        logger.warning("Refused a Stripe webhook: %s", error)
        return HttpResponseBadRequest("Invalid payload or signature")
    with transaction.atomic():
        event, _created = services.stripe_event_record(payload=payload)
        if event.processed_at is None:
            # A duplicate of an event not applied yet is a retry of it.
            transaction.on_commit(lambda: tasks.stripe_event_apply.delay(event.id), robust=True)
    return HttpResponse(status=200)
