"""Many clients at once against the production stack: public pages, gifts and shift sign-ups.

    .venv/bin/python bench/load.py [--clients 64] [--duration 60] [--workers N] [--site demo|small]
                                   [--database-url postgres://...] [--redis-url redis://...] [--keep]

Sets up what a deployment runs, on this machine: a fresh PostgreSQL database (default
postgres://postgres@127.0.0.1:5432/shanxin_load) with the demo data (`--site small`: one
organization and project, for the quick run in `make test`), its own Redis database (flushed),
gunicorn on the production settings, one Celery worker, and the Stripe stand-in
(bench/fake_stripe.py) that the real Stripe SDK talks to. It adds volunteers (one per client, each
logged in) and a relief task whose shifts have two places each and overlap in pairs, so that
sign-ups really compete for places.

Then `--clients` clients, for `--duration` seconds, each loop over a random mix of
- public pages: home, project index, a project page, volunteer opportunities, open data;
- donation starts: POST the donate form → 302 to the checkout the SDK opened at the stand-in;
  half of them are then paid: Stripe's signed `checkout.session.completed` event is POSTed to
  the webhook (a fifth of those twice, as Stripe retries), and the Celery worker applies it;
- shift sign-ups: a logged-in volunteer signs up for a random shift (a place, the waitlist, or a
  refusal: already signed up, an overlapping place, over their weekly hours: all answered 302).

Prints requests/second overall and per kind, latency p50/p95, and errors: 5xx, connection errors
and timeouts, and unexpected statuses, with 429 (rate limited) counted apart. Afterwards, once
the worker has applied every event, it checks the database: no shift has more place-holding
sign-ups than places (and its count agrees), no volunteer holds two overlapping places, one gift
per checkout session and one session per gift, every paid session's gift succeeded with one
ledger entry, and receipt numbers are gap-free per organization and year.
Exit status: 0 only with no error and no breached invariant.
"""

import argparse
import asyncio
import itertools
import json
import os
import random
import statistics
import string
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlparse

from _harness import (
    ROOT,
    CeleryWorker,
    FakeStripe,
    Server,
    SetupError,
    fetch,
    manage,
    migrated_template,
    recreate_database,
    redis_flush,
    release,
    settings_env,
    signed_webhook,
)
from fake_stripe import completed_event

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/shanxin_load"
# A Redis database of its own: the run flushes it.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
# Rate limits on gift starts and sign-ups (per user, or per IP for guests) would turn a load
# test from one address into 429s; the run lifts them. The names are the rate-limit settings'.
RATE_LIMIT_ENV = {
    "RATE_LIMIT_DONATION_START": "1000000/m",
    "RATE_LIMIT_SHIFT_SIGNUP": "1000000/m",
}
# How each client spends its loop.
MIX = {"page": 6, "donate": 2, "signup": 2}
PAID_SHARE = 0.5
REDELIVERED_SHARE = 0.2
SHIFT_CAPACITY = 2
REQUEST_TIMEOUT = 60


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    rate_limited: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def error(self, kind: str, what: str, detail: str) -> None:
        self.errors[kind, what] += 1
        if len(self.examples) < 10:
            self.examples.append(f"{kind}: {what}: {detail[:300]}")


async def request(
    base: str, method: str, path: str, *, headers: dict[str, str], body: bytes = b""
) -> Response:
    """One HTTP/1.1 request on its own connection (gunicorn's sync workers close each one)."""
    parts = urlparse(base)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
    head, _, content = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    if not status_line.startswith("HTTP/1."):
        raise ConnectionError(f"no HTTP response ({len(raw)} bytes)")
    response_headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        response_headers[name.strip().lower()] = value.strip()
    return Response(int(status_line.split()[1]), response_headers, content)


class Client:
    """One simulated person: browses, gives, and (logged in as a volunteer) signs up."""

    def __init__(self, number: int, plan: dict, base: str, stats: Stats, rng: random.Random):
        self.number = number
        self.plan = plan
        self.base = base
        self.origin = "https://" + urlparse(base).netloc
        self.stats = stats
        self.rng = rng
        self.session_cookie = plan["sessions"][number % len(plan["sessions"])]
        # Django accepts a CSRF secret of its own making as both cookie and form field.
        self.csrf = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(32))
        self.paid_sessions: list[str] = plan["paid_sessions"]
        self.donated = False

    async def timed(self, kind, method, path, *, headers, body=b"") -> Response | None:
        headers = {"X-Forwarded-Proto": "https", "User-Agent": "shanxin-load", **headers}
        started = time.monotonic()
        try:
            response = await asyncio.wait_for(
                request(self.base, method, path, headers=headers, body=body), REQUEST_TIMEOUT
            )
        except (OSError, ConnectionError, TimeoutError, ValueError, IndexError) as error:
            self.stats.error(kind, "connection", f"{path}: {type(error).__name__} {error}")
            return None
        self.stats.latencies[kind].append(time.monotonic() - started)
        if response.status == 429:
            self.stats.rate_limited[kind] += 1
            return None
        if response.status >= 500:
            self.stats.error(kind, "5xx", f"{path}: {response.status} {response.body[:200]!r}")
            return None
        return response

    def unexpected(self, kind: str, path: str, response: Response) -> None:
        location = response.headers.get("location", "")
        self.stats.error(kind, "unexpected", f"{path}: {response.status} {location}")

    def form(self, path: str, data: dict, cookies: str = "") -> tuple[dict, bytes]:
        cookie = f"csrftoken={self.csrf}" + (f"; {cookies}" if cookies else "")
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Origin": self.origin,
            "Referer": self.origin + path,
        }
        return headers, urlencode({"csrfmiddlewaretoken": self.csrf, **data}).encode()

    async def page(self) -> None:
        path = self.rng.choice(self.plan["pages"])
        response = await self.timed("page", "GET", path, headers={})
        if response is not None and response.status != 200:
            self.unexpected("page", path, response)

    async def donate(self) -> None:
        project_id = self.rng.choice(self.plan["projects"])
        path = f"/zh-hans/give/{project_id}/"
        headers, body = self.form(
            path,
            {
                "custom_amount": f"{self.rng.randint(1, 500)}.{self.rng.randint(0, 99):02d}",
                "frequency": "one_off",
                "donor_name": f"压力测试{self.number}",
                "donor_email": f"load{self.number}@example.org",
            },
        )
        response = await self.timed("donate", "POST", path, headers=headers, body=body)
        if response is None:
            return
        location = response.headers.get("location", "")
        if response.status != 302 or not location.startswith(self.plan["stripe"] + "/pay/"):
            self.unexpected("donate", path, response)
            return
        # Every other client pays its first gift; after that, PAID_SHARE of them.
        first = not self.donated
        self.donated = True
        if (first and self.number % 2 == 0) or self.rng.random() < PAID_SHARE:
            await self.pay(location.rsplit("/", 1)[-1])

    async def pay(self, session_id: str) -> None:
        """What Stripe does once the donor has paid: POST the signed event to the webhook."""
        session = await asyncio.to_thread(self.plan["session_of"], session_id)
        event = completed_event(session)
        deliveries = 2 if self.rng.random() < REDELIVERED_SHARE else 1
        for _ in range(deliveries):
            body, headers = signed_webhook(event, self.plan["webhook_secret"])
            response = await self.timed(
                "webhook", "POST", "/stripe/webhook/", headers=headers, body=body
            )
            if response is not None and response.status != 200:
                self.unexpected("webhook", "/stripe/webhook/", response)
                return
        self.paid_sessions.append(session_id)

    async def signup(self) -> None:
        shift_id = self.rng.choice(self.plan["shifts"])
        path = f"/zh-hans/volunteer/shifts/{shift_id}/sign-up/"
        headers, body = self.form(path, {}, cookies=f"sessionid={self.session_cookie}")
        response = await self.timed("signup", "POST", path, headers=headers, body=body)
        if response is None:
            return
        # Every answer, a place or a refusal, sends the volunteer back to the shift's page.
        if response.status != 302 or not response.headers.get("location", "").endswith(
            f"/volunteer/shifts/{shift_id}/"
        ):
            self.unexpected("signup", path, response)

    async def run(self, until: float) -> None:
        actions = [action for action, weight in MIX.items() for _ in range(weight)]
        # The first actions cycle through the kinds, so even a short run has each of them.
        action = ("donate", "signup", "page")[self.number % 3]
        while time.monotonic() < until:
            await getattr(self, action)()
            action = self.rng.choice(actions)


def prepare(args, env: dict[str, str], stripe: FakeStripe) -> dict:
    """Fill the database (demo data or the small site), then add volunteers and shifts."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    if args.site == "demo":
        manage(env, "seed_demo", "--allow-production")  # a throwaway database
    else:
        print("  python -m tests.production_site", flush=True)
        import subprocess

        built = subprocess.run(
            [sys.executable, "-m", "tests.production_site"], cwd=ROOT, env=env, capture_output=True
        )
        if built.returncode != 0:
            raise SetupError(f"tests.production_site failed:\n{built.stderr.decode()}")
    manage(env, "collectstatic", "--noinput")
    import django

    django.setup()
    import datetime

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from charity.models import Organization, Project, ProjectStatus
    from cms.models import CharityProjectPage
    from tests.volunteers.factories import (
        ReliefTaskFactory,
        ShiftFactory,
        VolunteerProfileFactory,
    )

    organization = Organization.objects.filter(verified_at__isnull=False).order_by("pk").first()
    projects = list(
        Project.objects.filter(
            status=ProjectStatus.FUNDRAISING, organization__verified_at__isnull=False
        ).values_list("pk", flat=True)
    )
    page = CharityProjectPage.objects.live().filter(locale__language_code="zh-hans").first()
    if organization is None or not projects or page is None:
        raise SetupError("the site has no verified organization with a fundraising project page")

    print(f"  {args.volunteers} volunteers, {args.shifts} shifts of {SHIFT_CAPACITY} places")
    # Shifts overlap in pairs, a week ahead; volunteers qualify for all of them (no skills).
    task = ReliefTaskFactory(organization=organization, title="压力测试 物资分发")
    start = (timezone.now() + datetime.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    shifts = [
        ShiftFactory(
            task=task,
            starts_at=start + datetime.timedelta(hours=4 * (n // 2) + (n % 2)),
            ends_at=start + datetime.timedelta(hours=4 * (n // 2) + (n % 2) + 2),
            capacity=SHIFT_CAPACITY,
        ).pk
        for n in range(args.shifts)
    ]
    sessions = []
    for n in range(args.volunteers):
        profile = VolunteerProfileFactory(
            user__email=f"load-volunteer{n:03d}@example.org", user__password=None
        )
        user = profile.user
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)

    def session_of(session_id: str) -> dict:
        status, _headers, body = fetch(
            f"{stripe.base}/v1/checkout/sessions/{session_id}",
            headers={"Authorization": f"Bearer {env['STRIPE_SECRET_KEY']}"},
        )
        if status != 200:
            raise ConnectionError(f"the Stripe stand-in answered {status}")
        return json.loads(body)

    return {
        "pages": [
            "/zh-hans/",
            "/zh-hans/projects/",
            urlparse(page.get_url()).path,
            "/zh-hans/volunteer/",
            "/zh-hans/open-data/",
            "/open-data/projects.json",
        ],
        "projects": projects,
        "shifts": shifts,
        "sessions": sessions,
        "stripe": stripe.base,
        "webhook_secret": env["STRIPE_WEBHOOK_SECRET"],
        "session_of": session_of,
        "paid_sessions": [],
    }


async def drive(args, base: str, plan: dict, stats: Stats) -> float:
    until = time.monotonic() + args.duration
    started = time.monotonic()
    clients = [
        Client(n, plan, base, stats, random.Random(args.seed + n)) for n in range(args.clients)
    ]
    await asyncio.gather(*(client.run(until) for client in clients))
    return time.monotonic() - started


def warm_up(server: Server, plan: dict, workers: int) -> None:
    """Each gunicorn worker loads its templates and connections before the clock starts."""
    for path in plan["pages"] * workers:
        status = fetch(server.base + path, headers={"X-Forwarded-Proto": "https"})[0]
        if status != 200:
            raise SetupError(f"{path} answered {status} before the load:\n{server.log_tail()}")


def wait_for_events(timeout: float) -> int:
    """Wait until the worker has applied every stored Stripe event; the number left over."""
    from charity.models import StripeEvent

    deadline = time.monotonic() + timeout
    while True:
        left = StripeEvent.objects.filter(processed_at__isnull=True).count()
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


def check_invariants(plan: dict, stripe: FakeStripe) -> list[str]:
    """Every breach found in the database after the run, as sentences."""
    from django.db.models import Count, Q

    from charity.models import Donation, DonationStatus, LedgerEntry, ReceiptCounter
    from volunteers.models import Shift, ShiftSignup
    from volunteers.models.shifts import PLACE_HOLDING_STATUSES

    breaches = []
    plan["signups"] = Counter(
        ShiftSignup.objects.filter(shift__in=plan["shifts"]).values_list("status", flat=True)
    )
    holding = Q(signups__status__in=PLACE_HOLDING_STATUSES)
    for shift in Shift.objects.filter(pk__in=plan["shifts"]).annotate(
        held=Count("signups", filter=holding)
    ):
        if shift.held > shift.capacity:
            breaches.append(f"shift {shift.pk}: {shift.held} places held of {shift.capacity}")
        if shift.held != shift.places_taken:
            breaches.append(
                f"shift {shift.pk}: places_taken {shift.places_taken} but {shift.held} held"
            )
    places = defaultdict(list)
    for volunteer, starts, ends in ShiftSignup.objects.filter(
        status__in=PLACE_HOLDING_STATUSES
    ).values_list("volunteer_id", "shift__starts_at", "shift__ends_at"):
        places[volunteer].append((starts, ends))
    for volunteer, held in places.items():
        held.sort()
        for (_s1, e1), (s2, _e2) in itertools.pairwise(held):
            if s2 < e1:
                breaches.append(f"volunteer {volunteer} holds two overlapping places")

    sessions = {session["id"]: session for session in stripe.sessions()}
    donations = {
        d.stripe_checkout_session_id: d
        for d in Donation.objects.filter(stripe_checkout_session_id__isnull=False).exclude(
            stripe_checkout_session_id=""
        )
    }
    started = Donation.objects.filter(created_at__gte=plan["started_at"])
    if started.count() != len(sessions):
        breaches.append(f"{started.count()} gifts started for {len(sessions)} checkout sessions")
    for session_id, session in sessions.items():
        donation = donations.get(session_id)
        if donation is None:
            breaches.append(f"checkout session {session_id} has no gift")
        elif str(donation.pk) != session["client_reference_id"]:
            breaches.append(f"checkout session {session_id} belongs to another gift")
    for session_id in plan["paid_sessions"]:
        donation = donations.get(session_id)
        if donation is None or donation.status != DonationStatus.SUCCEEDED:
            breaches.append(f"paid session {session_id}: gift not succeeded")
    received = Counter(
        LedgerEntry.objects.filter(
            kind="donation_received", donation__stripe_checkout_session_id__in=sessions
        ).values_list("donation_id", flat=True)
    )
    if any(count != 1 for count in received.values()):
        breaches.append("a gift has more than one 'donation received' ledger entry")
    if len(received) != len(set(plan["paid_sessions"])):
        breaches.append(
            f"{len(received)} gifts in the ledger for {len(plan['paid_sessions'])} paid sessions"
        )
    numbers = defaultdict(list)
    for organization_id, number in Donation.objects.exclude(
        receipt_number__isnull=True
    ).values_list("organization_id", "receipt_number"):
        year, _org, serial = number.split("-")
        numbers[organization_id, int(year)].append(int(serial))
    for counter in ReceiptCounter.objects.all():
        issued = sorted(numbers.get((counter.organization_id, counter.year), []))
        if issued != list(range(1, counter.last_number + 1)):
            breaches.append(
                f"receipt numbers of organization {counter.organization_id} in {counter.year} "
                f"are not 1..{counter.last_number} without gaps or repeats"
            )
    return breaches


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(args, stats: Stats, elapsed: float, left: int, breaches: list[str]) -> bool:
    total = sum(len(values) for values in stats.latencies.values())
    print(
        f"\n{args.clients} clients for {elapsed:.1f} s: {total} requests answered, "
        f"{total / elapsed:.1f} requests/s"
    )
    print(f"{'kind':<8} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'429':>5} errors")
    for kind in ("page", "donate", "webhook", "signup"):
        values = stats.latencies.get(kind, [])
        errors = sum(count for (k, _what), count in stats.errors.items() if k == kind)
        print(
            f"{kind:<8} {len(values):>8} {len(values) / elapsed:>7.1f} "
            f"{percentile(values, 50) * 1000:>7.0f} {percentile(values, 95) * 1000:>7.0f} "
            f"{stats.rate_limited[kind]:>5} {errors}"
        )
    by_what = Counter()
    for (_kind, what), count in stats.errors.items():
        by_what[what] += count
    print(
        f"errors: {sum(by_what.values())} (5xx {by_what['5xx']}, connection "
        f"{by_what['connection']}, unexpected status {by_what['unexpected']}); "
        f"rate limited (429): {sum(stats.rate_limited.values())}"
    )
    for example in stats.examples:
        print(f"  {example}")
    print(f"paid sessions: {len(set(args.plan['paid_sessions']))}; events left unapplied: {left}")
    print(f"sign-ups on the load's shifts: {dict(sorted(args.plan['signups'].items()))}")
    if breaches:
        print(f"invariants: {len(breaches)} BREACHED")
        for breach in breaches[:20]:
            print(f"  {breach}")
    else:
        print(
            "invariants: hold (no overbooked shift, no overlapping places, one gift per "
            "checkout session, paid gifts succeeded once, receipt numbers gap-free)"
        )
    return not stats.errors and not breaches and left == 0


def run(args) -> bool:
    stripe = FakeStripe()
    with tempfile.TemporaryDirectory(prefix="shanxin-load-") as tmp:
        env = settings_env(
            args.database_url,
            args.redis_url,
            STRIPE_API_BASE=stripe.base,
            STATIC_ROOT=f"{tmp}/static",
            MEDIA_ROOT=f"{tmp}/media",
            **RATE_LIMIT_ENV,
        )
        processes = [stripe]
        try:
            template = migrated_template(args.database_url, env)
            recreate_database(args.database_url, template=template)
            redis_flush(args.redis_url)
            stripe.wait_ready()
            plan = prepare(args, env, stripe)
            args.plan = plan
            # Seeding filled navigation and page-cache versions; the servers start from empty.
            redis_flush(args.redis_url)
            server = Server("gunicorn", env, workers=args.workers)
            worker = CeleryWorker(env, concurrency=1)
            processes += [server, worker]
            server.wait_ready()
            worker.wait_ready()
            warm_up(server, plan, args.workers)
            from django.db import connections
            from django.utils import timezone

            plan["started_at"] = timezone.now()
            connections.close_all()
            print(
                f"\ngunicorn (the Procfile's web line) with {args.workers} sync workers "
                f"(default 2 x CPUs + 1), one Celery worker, PostgreSQL, Redis, the Stripe "
                f"stand-in and this load generator on {os.cpu_count()} CPUs; load average before: {os.getloadavg()[0]:.2f}",
                flush=True,
            )
            stats = Stats()
            elapsed = asyncio.run(drive(args, server.base, plan, stats))
            print(f"  load average after: {os.getloadavg()[0]:.2f}", flush=True)
            left = wait_for_events(timeout=120)
            breaches = check_invariants(plan, stripe)
            connections.close_all()
            ok = report(args, stats, elapsed, left, breaches)
            if not ok and stats.errors:
                print(f"\ngunicorn's log (tail):\n{server.log_tail()}")
            return ok
        finally:
            for process in reversed(processes):
                process.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers"
    )
    parser.add_argument("--site", choices=["demo", "small"], default="demo")
    parser.add_argument("--volunteers", type=int, help="logged-in volunteers (one per client)")
    parser.add_argument("--shifts", type=int, help="shifts (default: one per two clients)")
    parser.add_argument("--seed", type=int, default=2026, help="of the clients' random choices")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help="flushed at the start")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    args.volunteers = args.volunteers or args.clients
    args.shifts = args.shifts or max(2, args.clients // 2)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("The load test runs on PostgreSQL; --database-url must be a postgres:// URL.")

    print(f"Setting up {args.database_url} (production settings):", flush=True)
    try:
        ok = run(args)
    except SetupError as error:
        sys.exit(f"\nLoad test not run: {error}")
    finally:
        release(args.database_url, keep=args.keep, what="load test")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
