"""A real Celery worker, on the Redis server, applies a task to the same database as the test."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection
from kombu import Connection

from charity.models import Invitation, Role
from config.celery import app

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def database_url_for_worker() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or ""
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


@pytest.fixture
def redis_server():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"The Redis server at {REDIS_URL} is needed for this test: {error}")
    return client


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_rows")
def test_a_real_worker_sends_an_invitation_and_records_it(redis_server, organization, owner):
    invitation = Invitation.objects.create(
        organization=organization, email="worker@example.org", role=Role.EDITOR, invited_by=owner
    )
    queue = f"test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": database_url_for_worker(),
        "REDIS_URL": REDIS_URL,
        "EMAIL_URL": "consolemail://",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # send_task (unlike delay) goes to the broker even though the suite runs tasks eagerly.
        with Connection(REDIS_URL) as broker:
            app.send_task(
                "charity.tasks.invitation_send_email",
                args=[invitation.pk],
                queue=queue,
                connection=broker,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            invitation.refresh_from_db()
            if invitation.sent_at is not None:
                break
            assert worker.poll() is None, worker.communicate()[0]
            time.sleep(0.2)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
        redis_server.delete(queue)
    assert invitation.sent_at is not None, f"the worker did not apply the task in 60 s:\n{output}"
    assert "worker@example.org" in output  # the console email backend printed the invitation
