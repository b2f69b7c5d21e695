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


@csrf_exempt
@require_POST
def stripe_webhook(request):
    signature = request.headers.get("Stripe-Signature")
    if not signature:
        return HttpResponseBadRequest("Missing Stripe-Signature header")
    try:
        # On the raw body, with the SDK's default tolerance (300 s) against replays.
        stripe.Webhook.construct_event(request.body, signature, settings.STRIPE_WEBHOOK_SECRET)
        payload = json.loads(request.body)
        payload["id"], payload["type"], payload["data"]["object"]
    except (ValueError, KeyError, TypeError, stripe.SignatureVerificationError) as error:
        logger.warning("Refused a Stripe webhook: %s", error)
        return HttpResponseBadRequest("Invalid payload or signature")
    with transaction.atomic():
        event, _created = services.stripe_event_record(payload=payload)
        if event.processed_at is None:
            # A duplicate of an event not applied yet is a retry of it.
            transaction.on_commit(lambda: tasks.stripe_event_apply.delay(event.id), robust=True)
    return HttpResponse(status=200)
