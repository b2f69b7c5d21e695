"""Stripe's webhook under random and hostile bodies: never a 500; unsigned or malformed → 400 with
nothing stored; signed nonsense is stored but moves no money; only a valid event does."""

import json

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from charity.models import Donation, DonationStatus, LedgerEntry, StripeEvent
from tests.charity.stripe_helpers import checkout_session, event, signature
from tests.factories import DonationFactory

from .strategies import any_text, count_case, fuzz, hostile_text, number_text

pytestmark = pytest.mark.django_db

URL = "/stripe/webhook/"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=12,
)


def post(client, body: bytes | str, sig: str | None):
    headers = {"HTTP_STRIPE_SIGNATURE": sig} if sig is not None else {}
    return client.post(URL, data=body, content_type="application/json", **headers)


def money_state():
    return (
        sorted(Donation.objects.values_list("pk", "status", "amount", "currency")),
        LedgerEntry.objects.count(),
    )


@given(
    body=st.one_of(st.binary(max_size=500), json_values.map(json.dumps)),
    sig=st.one_of(
        st.none(),
        any_text,
        st.just("t=1,v1=00"),
        st.sampled_from(["t=abc,v1=", "v1=deadbeef", "t=" + "9" * 30 + ",v1=ab"]),
    ),
)
@fuzz
def test_unsigned_or_badly_signed_bodies_are_refused_and_not_stored(body, sig):
    count_case()
    before = StripeEvent.objects.count()
    response = post(Client(), body, sig)
    assert response.status_code == 400
    assert StripeEvent.objects.count() == before


@given(payload=json_values)
@fuzz
def test_signed_random_json_is_refused_or_stored_never_a_500(payload):
    count_case()
    body = json.dumps(payload)
    before = money_state(), StripeEvent.objects.count()
    response = post(Client(), body, signature(body))
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert (money_state(), StripeEvent.objects.count()) == before
    else:
        assert money_state() == before[0]


@given(
    payload=st.fixed_dictionaries(
        {
            "id": st.one_of(
                st.none(), st.integers(), st.just(""), st.text(max_size=300), json_values
            ),
            "type": st.one_of(st.none(), st.integers(), st.just(""), hostile_text(max_size=200)),
            "data": st.one_of(st.fixed_dictionaries({"object": json_values}), json_values),
        }
    )
)
@fuzz
def test_signed_events_with_malformed_envelopes_never_500(payload):
    """id, type or data.object of the wrong kind: refused, or stored and harmless."""
    count_case()
    body = json.dumps(payload)
    before_money = money_state()
    before_events = StripeEvent.objects.count()
    response = post(Client(), body, signature(body))
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert StripeEvent.objects.count() == before_events
    else:
        stored = StripeEvent.objects.get(pk=payload["id"])
        # An id delivered before (by an earlier case) is a duplicate: the first copy stays.
        if StripeEvent.objects.count() == before_events + 1:
            assert stored.payload == payload
    assert money_state() == before_money


EVENT_TYPES = [
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "invoice.paid",
    "invoice.payment_failed",
    "customer.subscription.deleted",
    "charge.refunded",
    "refund.created",
    "charge.dispute.created",
    "shanxin.unknown.type",
]

session_overrides = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.just("cs_test_unknown"), any_text),
        "amount_total": st.one_of(st.none(), st.integers(-(2**70), 2**70), number_text),
        "currency": st.one_of(st.just("cny"), st.just("usd"), st.none(), any_text),
        "client_reference_id": st.one_of(st.none(), any_text, st.just("99999999")),
        "metadata": st.one_of(st.none(), json_values),
        "payment_status": st.sampled_from(["paid", "unpaid", "no_payment_required", ""]),
        "mode": st.sampled_from(["payment", "subscription", "setup", "<script>"]),
        "payment_intent": st.one_of(st.none(), any_text, json_values),
    },
)


@given(event_type=st.sampled_from(EVENT_TYPES), overrides=session_overrides)
@fuzz
def test_signed_events_with_hostile_contents_move_money_only_when_valid(
    event_type, overrides, django_capture_on_commit_callbacks
):
    count_case()
    donation = DonationFactory(amount=20_000, currency="CNY")
    payload = event(event_type, checkout_session(donation, **overrides))
    body = json.dumps(payload)
    ledger_before = LedgerEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = post(Client(), body, signature(body))

    assert response.status_code == 200
    assert StripeEvent.objects.filter(pk=payload["id"]).exists()
    donation.refresh_from_db()
    # The gift is still what the server asked for, whatever the event claimed.
    assert (donation.amount, donation.currency) == (20_000, "CNY")
    session = payload["data"]["object"]
    valid_payment = (
        event_type in ("checkout.session.completed", "checkout.session.async_payment_succeeded")
        and session.get("mode") not in ("subscription",)
        and session.get("payment_status") == "paid"
        and str(session.get("amount_total")) in ("20000", "None")
        and (session.get("amount_total") is None or str(session.get("currency")).upper() == "CNY")
    )
    if donation.status == DonationStatus.SUCCEEDED:
        assert valid_payment
        assert LedgerEntry.objects.count() == ledger_before + 1
        assert LedgerEntry.objects.get(donation=donation).amount == 20_000
    else:
        assert LedgerEntry.objects.count() == ledger_before


@pytest.mark.parametrize(
    "payload",
    [
        [],  # JSON, signed, but not an object: the SDK's event builder raised AttributeError
        None,
        {"id": None, "type": "checkout.session.completed", "data": {"object": {}}},
        {"id": "evt_1", "type": None, "data": {"object": {}}},  # NOT NULL type: was a 500
        {"id": 7, "type": "x", "data": {"object": {}}},
        {"id": "evt_1", "type": "x", "data": {"object": []}},
        {"id": "e" * 256, "type": "x", "data": {"object": {}}},
    ],
)
def test_regression_signed_bodies_of_the_wrong_shape_are_a_400(client, payload):
    body = json.dumps(payload)
    assert post(client, body, signature(body)).status_code == 400
    assert not StripeEvent.objects.exists()
