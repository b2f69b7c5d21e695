"""A short run of bench/load.py: the production stack under 16 clients for a few seconds answers
every request without an error and keeps its invariants (no overbooked shift, no overlapping
places, one gift per checkout session, gap-free receipt numbers). The full run's figures
(64 clients, 60 s) come from `make bench`.

Skipped only when this machine's PostgreSQL or Redis cannot be reached.
"""

import os
import re
import subprocess
import sys

import pytest

from bench._harness import ROOT, unreachable

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
# A Redis database of its own (not the production end-to-end test's): the run flushes it.
REDIS_URL = os.environ.get("TEST_LOAD_REDIS_URL", "redis://127.0.0.1:6379/9")

pytestmark = [pytest.mark.worker, pytest.mark.production]


def test_a_short_load_run_has_no_error_and_keeps_the_invariants():
    if reason := unreachable(POSTGRES_URL, REDIS_URL):
        pytest.skip(reason)
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "main")
    database_url = POSTGRES_URL.rsplit("/", 1)[0] + f"/shanxin_load_{worker_id}_{os.getpid()}"
    run = subprocess.run(
        [
            sys.executable,
            "bench/load.py",
            "--clients=16",
            "--duration=8",
            "--workers=2",  # fewer processes to start; the full run uses 2 x CPUs + 1
            "--site=small",
            f"--database-url={database_url}",
            f"--redis-url={REDIS_URL}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "errors: 0 " in output
    assert "invariants: hold" in output
    # Each kind of request was made, and at least one gift was paid through the webhook.
    for kind in ("page", "donate", "webhook", "signup"):
        requests = re.search(rf"^{kind}\s+(\d+)", output, re.MULTILINE)
        assert requests and int(requests.group(1)) > 0, output
    assert int(re.search(r"paid sessions: (\d+)", output).group(1)) > 0
