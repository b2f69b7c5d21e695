"""How much slower is importing offline gifts than writing the same rows with bulk_create?

    .venv/bin/python bench/import.py [--rows 100000]

Creates (and afterwards drops) a PostgreSQL database (DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/shanxin_bench_import), migrates it, then times:

1. the import path: a CSV of N rows read, every row checked, all recorded (receipt number, status
   change, ledger entry each) in one transaction — charity.resources.offline_donations_import;
2. a plain Donation.objects.bulk_create of the same N rows (no receipts, no ledger).

Receipt emails are left to Celery in production; here their queueing is counted, not run.
"""

import argparse
import csv
import datetime
import io
import os
import sys
import time
from pathlib import Path
from unittest import mock
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/shanxin_bench_import"


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


def make_csv(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["date received", "amount", "channel", "bank reference", "donor name", "donor email"]
    )
    start = datetime.date(2025, 1, 1)
    for i in range(rows):
        day = start + datetime.timedelta(days=i % 300)
        channel = "bank_transfer" if i % 4 else "cash"
        writer.writerow(
            [
                f"{day.isoformat()} {8 + i % 10:02d}:{i % 60:02d}",
                f"{(i % 5000) + 1}.{i % 100:02d}",
                channel,
                f"BENCH-{i:08d}" if channel == "bank_transfer" else "",
                f"捐赠人{i}",
                f"donor{i}@example.com" if i % 3 == 0 else "",
            ]
        )
    return out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("This benchmark runs on PostgreSQL; set DATABASE_URL to a postgres:// URL.")
    recreate(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DEBUG", "false")  # no query log growing with every row
    sys.path.insert(0, str(ROOT))
    try:
        run(args.rows)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            recreate(url, drop_only=True)


def run(rows: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)

    from charity.models import Donation, LedgerEntry, Organization, User
    from charity.resources import offline_donations_import
    from charity.services import ledger_verify

    actor = User.objects.create_superuser(email="bench@example.org", password=None)
    organization = Organization.objects.create(
        name="Bench Foundation",
        slug="bench",
        credit_code="53110000MJ0000001X",
        contact_email="bench@example.org",
        verified_at=timezone.now(),
        verified_by=actor,
    )
    content = make_csv(rows)

    with mock.patch("charity.tasks.donation_send_receipt.delay") as receipts:
        started = time.perf_counter()
        result = offline_donations_import(
            actor=actor,
            organization=organization,
            content=content,
            filename="bench.csv",
            commit=True,
        )
        imported_seconds = time.perf_counter() - started
    if result.check.errors or len(result.donations) != rows:
        sys.exit(f"The import failed: {result.check.errors[:5]}")
    check = ledger_verify()
    if LedgerEntry.objects.count() != rows or not check.ok:
        sys.exit(f"The ledger is wrong after the import: {check.problem}")

    # The same rows, as plain unsaved donations of a second organization.
    plain = [
        Donation(
            organization_id=organization.pk,
            project_id=d.project_id,
            donor_name=d.donor_name,
            donor_email=d.donor_email,
            donor_key=d.donor_key,
            amount=d.amount,
            currency=d.currency,
            channel=d.channel,
            status=d.status,
            bank_reference=f"P-{d.bank_reference}" if d.bank_reference else None,
            received_at=d.received_at,
            receipt_number=f"P-{d.receipt_number}",
        )
        for d in result.donations
    ]
    started = time.perf_counter()
    with transaction.atomic():
        Donation.objects.bulk_create(plain, batch_size=2000)
    bulk_seconds = time.perf_counter() - started

    print(f"rows: {rows:,} (receipt emails queued: {receipts.call_count:,})")
    print(
        f"import (check + record, one transaction): {imported_seconds:8.2f} s  "
        f"{rows / imported_seconds:10,.0f} rows/s"
    )
    print(
        f"plain Donation.objects.bulk_create:       {bulk_seconds:8.2f} s  "
        f"{rows / bulk_seconds:10,.0f} rows/s"
    )
    print(f"ratio import / bulk_create: {imported_seconds / bulk_seconds:.1f}x")


if __name__ == "__main__":
    main()
