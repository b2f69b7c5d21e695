"""Fault tests: real Celery workers on the local Redis that are killed or cut off mid-way.

Each test gets its own queue (its name carries the xdist worker id), and the workers it starts
use that queue as their default one (worker_settings), so retries and follow-up tasks come back
to them and never reach another test's worker. Mail goes to a local SMTP server (smtp.py).
"""

import os
import uuid

import pytest
import redis

from charity import tasks
from tests.test_celery_worker import REDIS_URL

from .helpers import WebhookQueue, Workers
from .smtp import SmtpServer


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    yield server
    server.close()


@pytest.fixture
def workers(smtp_server):
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"The Redis server at {REDIS_URL} is needed for this test: {error}")
    pool = Workers(
        queue=f"faults-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{uuid.uuid4().hex[:12]}",
        redis_client=client,
        smtp_port=smtp_server.port,
    )
    yield pool
    pool.stop()
    pool.cleanup_broker()
    for log in pool.logs:
        log.unlink(missing_ok=True)


@pytest.fixture
def webhook_to_worker(monkeypatch, workers):
    queue = WebhookQueue(workers)
    monkeypatch.setattr(tasks.stripe_event_apply, "delay", queue.delay)
    return queue
