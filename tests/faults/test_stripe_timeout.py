"""Stripe does not answer when a donor starts a checkout: after the gateway's timeout and one
retry (same idempotency key), the donor reads a clear message, and no pending half-gift stays."""

import json
import socket
import threading
import time

import pytest
from django.utils import html

from charity import gateway
from charity.models import (
    Donation,
    DonationStatus,
    DonationStatusChange,
    LedgerEntry,
    RecurringGift,
    RecurringGiftStatus,
)
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

TIMEOUT = 0.5
GUEST = {
    "preset": "20000",
    "frequency": "one_off",
    "donor_name": "Zhang Wei",
    "donor_email": "zhang.wei@example.com",
}
MESSAGE = "The payment service could not be reached. Nothing was charged; please try again."


class SilentStripe:
    """An HTTP server on a free port that reads each request and, while `silent`, never answers
    (the connection stays open, as when Stripe or the network in between hangs); otherwise it
    answers as Stripe does when it creates a Checkout Session."""

    def __init__(self):
        self.silent = True
        self.requests: list[dict] = []
        self._closed = threading.Event()
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._closed.set()
        self._socket.close()

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self._socket.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as stream:
            request_line = stream.readline().decode()
            headers = {}
            for line in iter(stream.readline, b"\r\n"):
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            stream.read(int(headers.get("content-length", 0)))
            self.requests.append({"line": request_line, "headers": headers})
            if self.silent:
                self._closed.wait()
                return
            body = json.dumps(
                {
                    "id": f"cs_test_faults{len(self.requests)}",
                    "object": "checkout.session",
                    "url": f"https://checkout.stripe.com/c/pay/cs_test_faults{len(self.requests)}",
                }
            ).encode()
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )


@pytest.fixture
def silent_stripe(settings, monkeypatch):
    """The real Stripe SDK with real-looking keys, its API at the silent server."""
    server = SilentStripe()
    settings.STRIPE_SECRET_KEY = "sk_test_faults_not_a_key"
    settings.STRIPE_TEST_GATEWAY = False
    monkeypatch.setattr(gateway, "STRIPE_TIMEOUT_SECONDS", TIMEOUT)
    settings.STRIPE_API_BASE = server.url
    yield server
    server.close()


def test_a_stripe_timeout_shows_a_clear_message_and_leaves_no_pending_gift(client, silent_stripe):
    project = ProjectFactory(currency="CNY")
    started = time.monotonic()
    response = client.post(f"/en/give/{project.pk}/", GUEST)
    elapsed = time.monotonic() - started

    assert response.status_code == 200  # the donate page again, not an error page
    assert html.escape(MESSAGE) in response.content.decode()
    tries = 1 + gateway.STRIPE_NETWORK_RETRIES
    # Bounded by the gateway's timeout (the SDK's own, 80 s a try, would take minutes) ...
    assert elapsed < 20
    # ... which in production ends before the app server gives up on the request (gunicorn: 30 s).
    assert tries * gateway.STRIPE_TIMEOUT_SECONDS < 30
    failed = Donation.objects.get()
    assert len(silent_stripe.requests) == tries
    assert {request["headers"]["idempotency-key"] for request in silent_stripe.requests} == {
        f"shanxin-checkout-{failed.pk}"  # had Stripe made a session, the retry gets that one
    }
    assert (failed.status, failed.stripe_checkout_session_id) == (DonationStatus.FAILED, None)
    assert list(DonationStatusChange.objects.values_list("from_status", "to_status", "source")) == [
        (DonationStatus.PENDING, DonationStatus.FAILED, "checkout:error")
    ]
    assert not LedgerEntry.objects.exists()

    # Stripe answers again: the donor's second try opens a checkout for one new pending gift.
    silent_stripe.silent = False
    response = client.post(f"/en/give/{project.pk}/", GUEST)
    assert response.status_code == 302
    pending = Donation.objects.get(status=DonationStatus.PENDING)
    assert (
        response["Location"]
        == f"https://checkout.stripe.com/c/pay/{pending.stripe_checkout_session_id}"
    )
    assert silent_stripe.requests[-1]["headers"]["idempotency-key"] == (
        f"shanxin-checkout-{pending.pk}"
    )
    assert Donation.objects.count() == 2
    assert Donation.objects.get(pk=failed.pk).status == DonationStatus.FAILED
    assert not LedgerEntry.objects.exists()


def test_a_stripe_timeout_on_a_monthly_gift_leaves_no_pending_monthly_gift(client, silent_stripe):
    project = ProjectFactory(currency="CNY")
    client.force_login(UserFactory())
    response = client.post(
        f"/en/give/{project.pk}/", {"preset": "10000", "frequency": "monthly", "donor_name": "Li"}
    )
    assert response.status_code == 200
    assert html.escape(MESSAGE) in response.content.decode()
    assert Donation.objects.get().status == DonationStatus.FAILED
    gift = RecurringGift.objects.get()
    assert gift.status == RecurringGiftStatus.CANCELLED
    assert gift.cancelled_at is not None
