"""The production settings, as deployed: gunicorn, a fresh PostgreSQL database, Redis, a real Celery
worker, and the real Stripe SDK talking to a Stripe-compatible stand-in. A donor gives through the
donate form; Stripe's signed `checkout.session.completed` event completes the gift.

Skipped only when this machine's PostgreSQL or Redis cannot be reached (both run here and in CI).
"""

import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

import psycopg
import pytest

from bench._harness import (
    ROOT,
    CeleryWorker,
    FakeStripe,
    Server,
    fetch,
    manage,
    migrated_template,
    recreate_database,
    redis_flush,
    settings_env,
    signed_webhook,
    unreachable,
)
from bench.fake_stripe import completed_event

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
# A Redis database of its own: the test flushes it.
REDIS_URL = os.environ.get("TEST_PRODUCTION_REDIS_URL", "redis://127.0.0.1:6379/10")

pytestmark = [pytest.mark.worker, pytest.mark.production]


@pytest.fixture(scope="module")
def stack():
    """Everything a production deployment runs, on loopback; torn down afterwards."""
    if reason := unreachable(POSTGRES_URL, REDIS_URL):
        pytest.skip(reason)
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "main")
    database_url = POSTGRES_URL.rsplit("/", 1)[0] + f"/shanxin_e2e_{worker_id}_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="shanxin-e2e-") as tmp:
        mail_dir = Path(tmp) / "mail"
        stripe = FakeStripe()
        env = settings_env(
            database_url,
            REDIS_URL,
            STRIPE_API_BASE=stripe.base,
            # django-environ drops one leading slash: filemail:////abs/path is /abs/path.
            EMAIL_URL=f"filemail:///{mail_dir}",
            STATIC_ROOT=str(Path(tmp) / "static"),
            MEDIA_ROOT=str(Path(tmp) / "media"),
            # As deployed: plain http is redirected; the client says it came through the TLS proxy.
            SECURE_SSL_REDIRECT="true",
        )
        processes = [stripe]
        recreate_database(database_url, template=migrated_template(database_url, env))
        try:
            redis_flush(REDIS_URL)
            manage(env, "collectstatic", "--noinput", quiet=True)
            built = subprocess.run(
                [sys.executable, "-m", "tests.production_site"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            assert built.returncode == 0, built.stderr
            site = json.loads(built.stdout)
            server = Server("gunicorn", env, workers=2)
            worker = CeleryWorker(env)
            processes += [server, worker]
            stripe.wait_ready()
            server.wait_ready()
            worker.wait_ready()
            yield {
                "env": env,
                "database_url": database_url,
                "mail_dir": mail_dir,
                "server": server,
                "worker": worker,
                "stripe": stripe,
                **site,
            }
        finally:
            for process in reversed(processes):
                process.stop()
            redis_flush(REDIS_URL)
            recreate_database(database_url, drop_only=True)


def _via_proxy(server: Server, path: str, *, data: dict | None = None, cookies: str = ""):
    """A request as the TLS proxy forwards it (X-Forwarded-Proto: https)."""
    origin = "https://" + urlparse(server.base).netloc
    headers = {"X-Forwarded-Proto": "https"}
    if cookies:
        headers["Cookie"] = cookies
    body = None
    if data is not None:
        body = urlencode(data).encode()
        # Django's CSRF check on https requests compares Origin/Referer with the host.
        headers |= {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": origin + path,
        }
    return fetch(server.base + path, data=body, headers=headers)


def _query(database_url: str, sql: str, *params):
    with psycopg.connect(database_url) as connection:
        return connection.execute(sql, params).fetchall()


def test_a_donation_completes_end_to_end_under_the_production_settings(stack):
    server, stripe = stack["server"], stack["stripe"]
    page = stack["page_path"]

    # Plain http is sent to https, except the balancer's health check.
    status, headers, _ = fetch(server.base + page)
    assert status == 301
    assert headers["Location"].startswith("https://")

    # The project page is cached (in Redis) before the gift: its total must not go stale.
    for expected in ("miss", "hit"):
        status, headers, body = _via_proxy(server, page)
        assert status == 200
        assert headers.get("X-Page-Cache") == expected
    assert "¥123.45" not in body.decode()

    give = f"/zh-hans/give/{stack['project_id']}/"
    status, headers, body = _via_proxy(server, give)
    assert status == 200
    csrf_cookie = re.search(r"csrftoken=([^;]+)", headers["Set-Cookie"]).group(1)
    csrf_field = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    donor_email = f"donor-{secrets.token_hex(4)}@example.org"
    status, headers, body = _via_proxy(
        server,
        give,
        cookies=f"csrftoken={csrf_cookie}",
        data={
            "csrfmiddlewaretoken": csrf_field,
            "custom_amount": "123.45",
            "frequency": "one_off",
            "donor_name": "王小明",
            "donor_email": donor_email,
            "message": "加油",
        },
    )
    assert status == 302, body.decode()[:2000]
    # The real Stripe SDK opened the session at the stand-in, with the server's amount.
    (session,) = stripe.sessions()
    assert headers["Location"] == session["url"]
    assert session["amount_total"] == 12345
    assert session["currency"] == "cny"
    donation_id = int(session["client_reference_id"])
    ((status_before, session_id),) = _query(
        stack["database_url"],
        "SELECT status, stripe_checkout_session_id FROM charity_donation WHERE id = %s",
        donation_id,
    )
    assert (status_before, session_id) == ("pending", session["id"])

    # Stripe tells the site the donor paid, signed with the endpoint's secret; then again (Stripe
    # retries deliveries), which must change nothing.
    event = completed_event(session)
    for _delivery in range(2):
        body, webhook_headers = signed_webhook(event, stack["env"]["STRIPE_WEBHOOK_SECRET"])
        status, _, answer = fetch(
            server.base + "/stripe/webhook/",
            data=body,
            headers=webhook_headers | {"X-Forwarded-Proto": "https"},
        )
        assert status == 200, answer
    # A forged delivery is refused.
    body, webhook_headers = signed_webhook(event, "whsec_" + secrets.token_hex(24))
    status, _, _ = fetch(
        server.base + "/stripe/webhook/",
        data=body,
        headers=webhook_headers | {"X-Forwarded-Proto": "https"},
    )
    assert status == 400

    # The Celery worker applies the event; the receipt is emailed from there too.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ((status_after, receipt_number, receipt_sent_at),) = _query(
            stack["database_url"],
            "SELECT status, receipt_number, receipt_sent_at FROM charity_donation WHERE id = %s",
            donation_id,
        )
        if status_after == "succeeded" and receipt_sent_at is not None:
            break
        stack["worker"].check_alive()
        time.sleep(0.3)
    assert status_after == "succeeded", stack["worker"].log_tail()
    assert receipt_number
    assert receipt_sent_at is not None, stack["worker"].log_tail()

    ledger = _query(
        stack["database_url"],
        "SELECT kind, amount, currency FROM charity_ledgerentry WHERE donation_id = %s",
        donation_id,
    )
    assert ledger == [("donation_received", 12345, "CNY")]
    assert _query(stack["database_url"], "SELECT count(*) FROM charity_donation") == [(1,)]

    # The project page shows the new total at once (the gift invalidated its cached copy).
    status, _headers, body = _via_proxy(server, page)
    assert status == 200
    assert "¥123.45" in body.decode()

    # One receipt, to the donor, with its number: written by the worker's email backend.
    messages = [path.read_text() for path in stack["mail_dir"].glob("*.log")]
    assert len(messages) == 1
    assert f"To: {donor_email}" in messages[0]
    assert receipt_number in messages[0]
