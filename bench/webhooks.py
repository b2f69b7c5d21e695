"""How fast Stripe's webhook events are applied on PostgreSQL, through the real endpoint.

    .venv/bin/python bench/webhooks.py [--events 2000] [--clients 8] [--workers 4]

Creates a throw-away PostgreSQL database, N pending gifts, and N signed `checkout.session.completed`
events plus 20% duplicate deliveries, shuffled. A gunicorn serving the production settings
receives them from concurrent clients; each delivery verifies the signature, stores the event by
its id and applies it (in-process, as `make run` does; with Redis a Celery worker would). Prints
deliveries/second and events applied/second, then checks the outcome: every gift received once,
one ledger entry each, the chain intact.
"""

import argparse
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
WEBHOOK_SECRET = "whsec_bench_" + secrets.token_hex(16)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "STRIPE_SECRET_KEY": "sk_test_bench_never_called",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "EMAIL_URL": "dummymail://",
        "REDIS_URL": "",
    }


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def recreate_database(database_url: str) -> None:
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    server = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def prepare(env: dict, count: int) -> list[dict]:
    """N pending gifts and their completion events, built in a Django process of their own."""
    script = f"""
import json, django
django.setup()
from django.utils import timezone
from charity.models import Donation, Organization, Project, User
from charity.gateway import example
admin = User.objects.create_superuser(email="bench@example.com", password="x" * 20)
org = Organization.objects.create(name="Bench", slug="bench", credit_code="53110000MJ0000001X",
    contact_email="b@example.com", verified_at=timezone.now(), verified_by=admin)
project = Project.objects.create(organization=org, title="Bench", goal_amount=10**9,
    fundraising_starts_at=timezone.now() - timezone.timedelta(days=1),
    fundraising_ends_at=timezone.now() + timezone.timedelta(days=30), region="110101",
    status="fundraising")
gifts = Donation.objects.bulk_create(
    Donation(organization=org, project=project, donor_name=f"Donor {{n}}",
             donor_email=f"d{{n}}@example.com", donor_key=f"email:d{{n}}@example.com",
             amount=10_000 + n, currency="CNY", channel="online",
             stripe_checkout_session_id=f"cs_bench_{{n:06d}}", guest_token=f"bench{{n:06d}}")
    for n in range({count}))
events = []
for gift in gifts:
    session = example("checkout.session", id=gift.stripe_checkout_session_id, mode="payment",
        status="complete", payment_status="paid", amount_total=gift.amount, currency="cny",
        client_reference_id=str(gift.pk), metadata={{"donation": str(gift.pk)}},
        payment_intent=f"pi_bench_{{gift.pk:06d}}")
    events.append(example("event", id=f"evt_bench_{{gift.pk:06d}}",
        type="checkout.session.completed", data={{"object": session}}))
print(json.dumps(events))
"""
    result = subprocess.run(
        [PYTHON, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def signed_deliveries(events: list[dict], duplicates: float) -> list[tuple[bytes, str]]:
    import stripe

    payloads = events + random.sample(events, int(len(events) * duplicates))
    random.shuffle(payloads)
    deliveries = []
    for payload in payloads:
        body = json.dumps(payload)
        header = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
        deliveries.append((body.encode(), header))
    return deliveries


def serve(env: dict, port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            GUNICORN,
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz/", timeout=1).ok:
                return server
        except requests.RequestException:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not start")


def deliver(port: int, deliveries, clients: int) -> tuple[float, list[int]]:
    url = f"http://127.0.0.1:{port}/stripe/webhook/"
    local = threading.local()  # one keep-alive connection per client thread

    def post(delivery):
        body, header = delivery
        if not hasattr(local, "session"):
            local.session = requests.Session()
        session = local.session
        response = session.post(
            url,
            data=body,
            headers={"Content-Type": "application/json", "Stripe-Signature": header},
            timeout=60,
        )
        return response.status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        statuses = list(pool.map(post, deliveries))
    return time.perf_counter() - started, statuses


def check(env: dict) -> dict:
    script = """
import json, django
django.setup()
from charity.models import Donation, LedgerEntry, StripeEvent
from charity.services import ledger_verify
print(json.dumps({
    "received": Donation.objects.filter(status="succeeded").count(),
    "pending": Donation.objects.filter(status="pending").count(),
    "ledger_entries": LedgerEntry.objects.count(),
    "events_stored": StripeEvent.objects.count(),
    "events_unapplied": StripeEvent.objects.filter(processed_at__isnull=True).count(),
    "receipt_numbers": Donation.objects.exclude(receipt_number=None).values("receipt_number").distinct().count(),
    "chain_ok": ledger_verify().ok,
}))
"""
    result = subprocess.run(
        [PYTHON, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--duplicates", type=float, default=0.2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/shanxin_bench_webhooks"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    options = parser.parse_args()

    env = environment(options.database_url)
    recreate_database(options.database_url)
    manage(env, "migrate", "--noinput", "-v0")
    events = prepare(env, options.events)
    deliveries = signed_deliveries(events, options.duplicates)
    port = free_port()
    server = serve(env, port, options.workers)
    try:
        elapsed, statuses = deliver(port, deliveries, options.clients)
    finally:
        server.terminate()
        server.wait()
    outcome = check(env)

    print(f"PostgreSQL, gunicorn {options.workers} sync workers, {options.clients} clients")
    print(
        f"deliveries: {len(deliveries)} ({len(events)} events + "
        f"{len(deliveries) - len(events)} duplicates), all 200: {set(statuses) == {200}}"
    )
    print(f"elapsed: {elapsed:.2f} s")
    print(f"deliveries/second: {len(deliveries) / elapsed:,.0f}")
    print(f"events applied/second: {outcome['received'] / elapsed:,.0f}")
    print(f"outcome: {json.dumps(outcome)}")
    correct = (
        outcome["received"] == len(events)
        and outcome["ledger_entries"] == len(events)
        and outcome["events_stored"] == len(events)
        and outcome["events_unapplied"] == 0
        and outcome["receipt_numbers"] == len(events)
        and outcome["chain_ok"]
    )
    print("every gift received exactly once, chain intact:", "yes" if correct else "NO")
    if not options.keep:
        import psycopg

        name = options.database_url.rsplit("/", 1)[1]
        server_url = options.database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(server_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
    sys.exit(0 if correct else 1)


if __name__ == "__main__":
    main()
