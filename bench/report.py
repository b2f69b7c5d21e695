"""How long does an annual transparency report take, against one raw SQL sum over the same rows?

    .venv/bin/python bench/report.py [--donations 1000000] [--expenditures 100000] [--keep]

Creates (and afterwards drops) a PostgreSQL database (DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/shanxin_bench_report), migrates it with `manage.py migrate`
in a subprocess, then loads one organization's year with COPY: N donations received (2% of them
partly refunded), M published expenditures across categories and beneficiary groups (1% of them
advances, the rest traced to a gift), and their ledger entries with the hash chain computed here,
streaming; the chain is verified with services.ledger_verify before anything is timed. Then:

1. charity.services.report_figures for the year (income by channel, spending by category and
   beneficiary group, projects, donors, advances, totals, ratios);
2. SELECT sum(amount) FROM charity_ledgerentry WHERE organization_id = … AND occurred_at in the
   year — the least any report over those rows can cost;

each run three times, best time kept, and prints both and their ratio.
"""

import argparse
import datetime
import hashlib
import json
import os
import random
import subprocess
import sys
import time
import zoneinfo
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/shanxin_bench_report"
YEAR = 2025
CHINA = zoneinfo.ZoneInfo("Asia/Shanghai")
GENESIS_HASH = "0" * 64


def admin_connection(url: str):
    import psycopg

    parts = urlparse(url)
    return psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ), parts.path.lstrip("/")


def recreate(url: str, *, drop_only=False) -> None:
    connection, name = admin_connection(url)
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--donations", type=int, default=1_000_000)
    parser.add_argument("--expenditures", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("This benchmark runs on PostgreSQL; set DATABASE_URL to a postgres:// URL.")
    recreate(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ.setdefault("DEBUG", "false")  # no query log growing with every row
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=os.environ,
        check=True,
    )
    print(f"migrated in {time.perf_counter() - started:.1f} s")
    sys.path.insert(0, str(ROOT))
    try:
        run(args.donations, args.expenditures)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            recreate(url, drop_only=True)


def _utc_iso(moment) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Chain:
    """Ledger rows with their hashes, as services.ledger_append_many would write them (the same
    canonical serialisation as LedgerEntry.canonical; ledger_verify checks it afterwards)."""

    def __init__(self, recorded_at):
        self.seq = 0
        self.previous = GENESIS_HASH
        self.recorded_at = recorded_at
        self.recorded_iso = _utc_iso(recorded_at)

    def row(self, *, kind, organization, project, donation, expenditure, amount, occurred_at, memo):
        self.seq += 1
        fields = {
            "seq": self.seq,
            "kind": kind,
            "organization": organization,
            "project": project,
            "donation": donation,
            "amount": amount,
            "currency": "CNY",
            "occurred_at": _utc_iso(occurred_at),
            "recorded_at": self.recorded_iso,
            "memo": memo,
            "previous_hash": self.previous,
        }
        if expenditure is not None:
            fields["expenditure"] = expenditure
        digest = hashlib.sha256(
            json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        ).hexdigest()
        row = (
            self.seq,
            kind,
            organization,
            project,
            donation,
            expenditure,
            amount,
            "CNY",
            occurred_at,
            self.recorded_at,
            memo,
            self.previous,
            digest,
        )
        self.previous = digest
        return row


def run(donations: int, expenditures: int) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from charity.models import LedgerHead, Organization, Project, User
    from charity.services import ledger_verify, report_figures, report_period
    from charity.services.reports import period_bounds

    rng = random.Random(5)
    creator = User.objects.create_superuser(email="bench@example.org", password=None)
    approver = User.objects.create_user(email="bench2@example.org", password=None)
    now = timezone.now()
    organization = Organization.objects.create(
        name="Bench Foundation",
        slug="bench",
        credit_code="53110000MJ0000001X",
        contact_email="bench@example.org",
        verified_at=now,
        verified_by=creator,
        has_public_fundraising=True,
        public_fundraising_certificate="BENCH-1",
    )
    projects = [
        Project.objects.create(
            organization=organization,
            title=f"Bench project {i}",
            goal_amount=10**12,
            fundraising_starts_at=now - datetime.timedelta(days=900),
            fundraising_ends_at=now + datetime.timedelta(days=900),
            region="510107",
        ).pk
        for i in range(50)
    ]
    org = organization.pk
    year_start = datetime.datetime(YEAR, 1, 1, tzinfo=CHINA)
    seconds_in_year = 365 * 86400

    # Donations (in time order, so the chain runs forward in time) and their entries.
    started = time.perf_counter()
    chain = Chain(now)
    gifts = []  # (id, project, amount) for tracing expenditures to
    entries = []
    with connection.cursor() as cursor:
        with cursor.connection.cursor().copy(
            "COPY charity_donation (id, organization_id, project_id, donor_name, donor_email, "
            "donor_key, is_anonymous, message, amount, currency, channel, frequency, status, "
            "language, received_at, guest_token, created_at) FROM STDIN"
        ) as copy:
            offsets = sorted(rng.randrange(seconds_in_year) for _ in range(donations))
            for i, offset in enumerate(offsets, start=1):
                received = year_start + datetime.timedelta(seconds=offset)
                project = projects[i % len(projects)] if i % 10 else None
                amount = rng.randint(100, 100_000)
                refunded = i % 50 == 0
                channel = ("online", "bank_transfer", "cash")[i % 3]
                copy.write_row(
                    (
                        i,
                        org,
                        project,
                        f"捐赠人{i}",
                        "",
                        f"bench:{i % (donations // 3 + 1)}",
                        False,
                        "",
                        amount,
                        "CNY",
                        channel,
                        "one_off",
                        "partially_refunded" if refunded else "succeeded",
                        "zh-hans",
                        received,
                        f"bench-{i}",
                        received,
                    )
                )
                entries.append(
                    chain.row(
                        kind="donation_received",
                        organization=org,
                        project=project,
                        donation=i,
                        expenditure=None,
                        amount=amount,
                        occurred_at=received,
                        memo=f"donation {i}",
                    )
                )
                if refunded:
                    entries.append(
                        chain.row(
                            kind="donation_refunded",
                            organization=org,
                            project=project,
                            donation=i,
                            expenditure=None,
                            amount=-(amount // 2),
                            occurred_at=received + datetime.timedelta(days=3),
                            memo=f"refund of donation {i}",
                        )
                    )
                    amount -= amount // 2
                gifts.append((i, project, amount))

        # Expenditures, each paid by one gift of its fund (1% advances, paid by none).
        categories = ["program"] * 8 + ["management", "fundraising"]
        groups = [None, "orphans", "disaster_victims", "left_behind_children", "other"]
        expenditure_rows, allocation_rows = [], []
        for k in range(1, expenditures + 1):
            donation_id, project, gift_amount = gifts[(k * 7919) % len(gifts)]
            advance = k % 100 == 0
            amount = max(1, gift_amount * 3 // 4)
            spent_on = (year_start + datetime.timedelta(days=rng.randrange(365))).date()
            expenditure_rows.append(
                (
                    k,
                    org,
                    project,
                    amount,
                    "CNY",
                    categories[k % len(categories)],
                    groups[k % len(groups)],
                    "供应商",
                    False,
                    "物资",
                    spent_on,
                    "published",
                    advance,
                    "bench" if advance else "",
                    creator.pk,
                    approver.pk,
                    now,
                    now,
                    now,
                )
            )
            if not advance:
                allocation_rows.append((k, donation_id, amount, now))
            entries.append(
                chain.row(
                    kind="expenditure_published",
                    organization=org,
                    project=project,
                    donation=None,
                    expenditure=k,
                    amount=-amount,
                    occurred_at=datetime.datetime.combine(
                        spent_on, datetime.time(12), tzinfo=datetime.UTC
                    ),
                    memo=f"expenditure {k}",
                )
            )
        raw = cursor.connection.cursor()
        with raw.copy(
            "COPY charity_expenditure (id, organization_id, project_id, amount, currency, "
            "category, beneficiary_group_id, payee, payee_is_individual, purpose, spent_on, "
            "status, is_advance, advance_reason, created_by_id, approved_by_id, approved_at, "
            "published_at, created_at) FROM STDIN"
        ) as copy:
            for row in expenditure_rows:
                copy.write_row(row)
        with raw.copy(
            "COPY charity_allocation (expenditure_id, donation_id, amount, created_at) FROM STDIN"
        ) as copy:
            for row in allocation_rows:
                copy.write_row(row)
        with raw.copy(
            "COPY charity_ledgerentry (seq, kind, organization_id, project_id, donation_id, "
            "expenditure_id, amount, currency, occurred_at, recorded_at, memo, previous_hash, "
            "entry_hash) FROM STDIN"
        ) as copy:
            for row in entries:
                copy.write_row(row)
        raw.execute(
            "SELECT setval(pg_get_serial_sequence('charity_donation', 'id'), "
            "(SELECT max(id) FROM charity_donation))"
        )
        raw.execute(
            "SELECT setval(pg_get_serial_sequence('charity_expenditure', 'id'), "
            "(SELECT max(id) FROM charity_expenditure))"
        )
    LedgerHead.objects.update_or_create(
        pk=1, defaults={"seq": chain.seq, "entry_hash": chain.previous}
    )
    loaded = time.perf_counter() - started
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"loaded {donations:,} donations, {expenditures:,} expenditures, "
        f"{len(entries):,} ledger entries in {loaded:.1f} s"
    )
    del entries, gifts, expenditure_rows, allocation_rows

    started = time.perf_counter()
    check = ledger_verify()
    if not check.ok or check.entries != chain.seq:
        sys.exit(f"The chain does not verify at {check.first_bad_seq}: {check.problem}")
    print(f"ledger_verify: {check.entries:,} entries OK in {time.perf_counter() - started:.1f} s")

    period_start, period_end = report_period(period_kind="year", year=YEAR)
    start, end = period_bounds(period_start, period_end)

    def best_of(runs, work):
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            result = work()
            times.append(time.perf_counter() - began)
        return min(times), times, result

    def report():
        return report_figures(
            organization=organization,
            period_start=period_start,
            period_end=period_end,
            period_kind="year",
            upto_seq=chain.seq,
        )

    def raw_sum():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT sum(amount) FROM charity_ledgerentry "
                "WHERE organization_id = %s AND occurred_at >= %s AND occurred_at < %s",
                [org, start, end],
            )
            return cursor.fetchone()[0]

    report_best, report_times, figures = best_of(3, report)
    raw_best, raw_times, total = best_of(3, raw_sum)
    (totals,) = figures["totals"]
    if totals["net_change"] != total:
        sys.exit(f"The report's net change {totals['net_change']} is not the raw sum {total}.")
    print(
        f"report_figures (year):  best {report_best:7.3f} s  "
        f"(runs: {', '.join(f'{t:.3f}' for t in report_times)})"
    )
    print(
        f"raw SQL sum(amount):    best {raw_best:7.3f} s  "
        f"(runs: {', '.join(f'{t:.3f}' for t in raw_times)})"
    )
    print(f"ratio report / raw sum: {report_best / raw_best:.1f}x")
    print(
        f"income {totals['income']:,}  spending {totals['spending']:,}  "
        f"donors {figures['donors']:,}  advances {totals['advances']:,}  "
        f"ratios: {[(r['key'], r['percent'], r['ok']) for r in figures['ratios']]}"
    )


if __name__ == "__main__":
    main()
