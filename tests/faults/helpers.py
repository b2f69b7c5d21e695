"""The fault tests' tools: Celery workers to start and kill, a database lock to stop them
mid-way, and what "applied exactly once" means for a gift."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
from django.db import connection
from kombu import Connection

from charity.models import (
    DonationStatus,
    DonationStatusChange,
    LedgerEntry,
    LedgerEntryKind,
    ReceiptCounter,
    StripeEvent,
)
from charity.services import ledger_verify
from config.celery import app
from tests.test_celery_worker import REDIS_URL, database_url_for_worker

from .smtp import SmtpServer, text_of

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate, *, what: str, timeout: float = 30, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"waited {timeout} s for {what}")


def children_of(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


class Workers:
    """Starts Celery workers on one queue, sends them tasks, and reads the broker's state."""

    def __init__(self, *, queue: str, redis_client: redis.Redis, smtp_port: int):
        self.queue = queue
        self.redis = redis_client
        self.smtp_port = smtp_port
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def start(self, *, pool: str = "prefork") -> subprocess.Popen:
        log = Path(tempfile.mkstemp(prefix=f"{self.queue}-", suffix=".log")[1])
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
            "FAULTS_QUEUE": self.queue,
            "DEBUG": "false",
            "DATABASE_URL": database_url_for_worker(),
            "REDIS_URL": REDIS_URL,
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}",
            "STRIPE_SECRET_KEY": "",
        }
        with log.open("w") as output:
            worker = subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery", "-A", "config", "worker"),
                    *("-Q", self.queue, "-n", f"{self.queue}-{len(self.processes)}@%h"),
                    *("--pool", pool, "--concurrency", "1"),
                    *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                    *("--loglevel", "INFO"),
                ],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(worker)
        self.logs.append(log)
        wait_for(
            lambda: worker.poll() is not None or " ready." in log.read_text(),
            what="the worker to start",
            timeout=60,
        )
        assert worker.poll() is None, self.output()
        return worker

    def output(self) -> str:
        return "\n".join(log.read_text() for log in self.logs)

    def stop(self) -> None:
        """The test is over: kill the workers and their pool processes, nothing is in flight."""
        for worker in self.processes:
            if worker.poll() is None:
                for process in children_of(worker.pid):
                    os.kill(process, signal.SIGKILL)
                worker.kill()
            worker.wait()

    def send(self, task_name: str, *args) -> None:
        # send_task (unlike delay) goes to the broker even though the suite runs tasks eagerly.
        with Connection(REDIS_URL) as broker:
            app.send_task(task_name, args=list(args), queue=self.queue, connection=broker)

    def unacked(self) -> dict[bytes, list]:
        """Messages a worker took but has not acknowledged (with acks_late: not finished)."""
        held = {}
        for tag, value in self.redis.hgetall("unacked").items():
            message, _exchange, routing_key = json.loads(value)
            if routing_key == self.queue:
                held[tag] = message
        return held

    def idle(self) -> bool:
        return self.redis.llen(self.queue) == 0 and not self.unacked()

    def redeliver_unacked(self) -> int:
        """What the broker does with a message whose worker vanished, once its visibility timeout
        (an hour) has passed: put it back on the queue for another worker."""
        held = self.unacked()
        for tag, message in held.items():
            message["properties"]["delivery_info"]["redelivered"] = True
            self.redis.lpush(self.queue, json.dumps(message))
            self.redis.hdel("unacked", tag)
            self.redis.zrem("unacked_index", tag)
        return len(held)

    def cleanup_broker(self) -> None:
        for tag in self.unacked():
            self.redis.hdel("unacked", tag)
            self.redis.zrem("unacked_index", tag)
        for pattern in (f"{self.queue}*", f"_kombu.binding*.{self.queue}"):
            for key in self.redis.scan_iter(match=pattern):
                self.redis.delete(key)


class WebhookQueue:
    """What the webhook queues for the workers: sent to their broker queue as in production, or
    held back (`hold()`) until `send_held()`, so that a test can take a lock in between."""

    def __init__(self, workers: Workers):
        self.workers = workers
        self.holding = False
        self.held: list[str] = []

    def delay(self, event_id: str) -> None:
        if self.holding:
            self.held.append(event_id)
        else:
            self.workers.send("charity.tasks.stripe_event_apply", event_id)

    def hold(self) -> None:
        self.holding = True

    def send_held(self) -> None:
        self.holding = False
        while self.held:
            self.delay(self.held.pop(0))


class DatabaseLock:
    """A lock the test holds from its own connection, so that a worker stops inside its
    transaction at the first statement that needs it and stays there until it is released.

    PostgreSQL: the donation's row lock (FOR UPDATE), which the apply takes after it has locked
    the event. SQLite: the database's write lock (BEGIN IMMEDIATE); the apply's first write waits.
    """

    def __init__(self, donation_id: int):
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            import psycopg

            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            self.connection = psycopg.connect(**params, autocommit=False)
            self.connection.execute(
                "SELECT id FROM charity_donation WHERE id = %s FOR UPDATE", [donation_id]
            )
        else:
            import sqlite3

            self.connection = sqlite3.connect(
                connection.settings_dict["NAME"], isolation_level=None, timeout=20
            )
            self.connection.execute("BEGIN IMMEDIATE")

    def waiting_backends(self) -> list[int]:
        """PostgreSQL: the other sessions of this database waiting for a lock."""
        # Within a transaction PostgreSQL shows the same snapshot of the activity on every read.
        self.connection.execute("SELECT pg_stat_clear_snapshot()")
        rows = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        ).fetchall()
        return [pid for (pid,) in rows]

    def backend_is_alive(self, pid: int) -> bool:
        """PostgreSQL: whether the session with this process id still exists."""
        self.connection.execute("SELECT pg_stat_clear_snapshot()")
        return bool(
            self.connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid]
            ).fetchone()[0]
        )

    def event_is_locked(self, event_id: str) -> bool:
        """PostgreSQL: whether another transaction holds the event's row lock right now."""
        import psycopg

        try:
            with self.connection.transaction():  # a savepoint: the donation's lock stays held
                self.connection.execute(
                    "SELECT id FROM charity_stripeevent WHERE id = %s FOR UPDATE NOWAIT",
                    [event_id],
                )
        except psycopg.errors.LockNotAvailable:
            return True
        return False

    def release(self) -> None:
        if self.connection is not None:
            self.connection.rollback() if self.vendor == "postgresql" else self.connection.execute(
                "ROLLBACK"
            )
            self.connection.close()
            self.connection = None


def assert_applied_once(donation, *, event_id: str, smtp: SmtpServer) -> None:
    """One gift received: one status change, one ledger entry, receipt number 1 of the year with
    no number burnt, one receipt email carrying it, and the event marked applied."""
    donation.refresh_from_db()
    assert donation.status == DonationStatus.SUCCEEDED
    assert list(
        DonationStatusChange.objects.filter(donation=donation).values_list(
            "from_status", "to_status"
        )
    ) == [(DonationStatus.PENDING, DonationStatus.SUCCEEDED)]
    assert list(LedgerEntry.objects.values_list("donation_id", "kind", "amount")) == [
        (donation.pk, LedgerEntryKind.DONATION_RECEIVED, donation.amount)
    ]
    assert ledger_verify().ok
    assert donation.receipt_number.endswith("-000001")
    assert list(ReceiptCounter.objects.values_list("last_number", flat=True)) == [1]
    receipts = smtp.to(donation.donor_email)
    assert len(receipts) == 1, [message["Subject"] for message in receipts]
    assert donation.receipt_number in text_of(receipts[0])
    assert donation.receipt_sent_at is not None
    assert StripeEvent.objects.get(pk=event_id).processed_at is not None


def stopped_inside_apply(lock: DatabaseLock, workers, event_id: str) -> None:
    """Wait until the worker has taken the event's message and is held inside its transaction."""
    wait_for(workers.unacked, what="the worker to take the event")
    if lock.vendor == "postgresql":
        wait_for(
            lock.waiting_backends,
            what=f"the apply to wait for the donation's row lock:\n{workers.output()}",
        )
        assert lock.event_is_locked(event_id), "the apply holds the event's lock: it is mid-way"
    else:
        # SQLite cannot show a waiting writer; the worker has the message, and whatever it has
        # done cannot commit while the test holds the write lock.
        time.sleep(1)


def assert_nothing_applied(donation, event_id: str) -> None:
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING
    assert donation.receipt_number is None
    assert not LedgerEntry.objects.exists()
    assert StripeEvent.objects.get(pk=event_id).processed_at is None
