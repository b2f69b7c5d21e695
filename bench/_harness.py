"""The production stack on this machine, for benchmarks and the production end-to-end test.

A fresh PostgreSQL database, a Redis database of its own, gunicorn on the production settings,
a real Celery worker and the Stripe stand-in (bench/fake_stripe.py), each a child process whose
output goes to a temporary file that is shown when something fails.
"""

import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
HEALTH = "/healthz/"


class SetupError(Exception):
    """The stack could not be started; figures or assertions would mean nothing."""


def settings_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production deployment served over plain http on this machine."""
    env = dict(os.environ)
    env.pop("PAGE_CACHE_SECONDS", None)  # servers run on the settings' default unless told
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_hex(32),  # hex never contains the "insecure key" markers
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        # Production refuses to start without Stripe keys; STRIPE_API_BASE (in `extra`) points the
        # SDK at the stand-in where a run calls Stripe.
        STRIPE_SECRET_KEY=f"sk_test_{secrets.token_hex(24)}",
        STRIPE_PUBLISHABLE_KEY=f"pk_test_{secrets.token_hex(24)}",
        STRIPE_WEBHOOK_SECRET=f"whsec_{secrets.token_hex(24)}",
        EMAIL_URL="dummymail://",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def _admin_connection(url: str):
    import psycopg

    parts = urlparse(url)
    return parts, psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


def recreate_database(url: str, *, drop_only: bool = False, template: str | None = None) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    try:
        _parts, connection = _admin_connection(url)
        with connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not drop_only:
                copy = f' TEMPLATE "{template}"' if template else ""
                connection.execute(f'CREATE DATABASE "{name}"{copy}')
    except psycopg.Error as error:
        raise SetupError(f"PostgreSQL at {parts.hostname}:{parts.port or 5432}: {error}") from None


def release(database_url: str, *, keep: bool, what: str) -> None:
    """After a run: close this process's connections and drop the run's database (unless kept)."""
    if "django" in sys.modules:
        from django.db import connections

        connections.close_all()
    if not keep:
        try:
            recreate_database(database_url, drop_only=True)
        except SetupError as error:
            print(f"Could not drop the {what}'s database: {error}", file=sys.stderr)


def unreachable(postgres_url: str, redis_url: str) -> str | None:
    """Why the production stack cannot run here (PostgreSQL or Redis down), or None."""
    import psycopg
    import redis

    try:
        psycopg.connect(postgres_url, connect_timeout=3).close()
    except psycopg.Error as error:
        return f"PostgreSQL at {postgres_url} is unreachable: {error}"
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        return f"Redis at {redis_url} is unreachable: {error}"
    return None


def migrated_template(url: str, env: dict[str, str]) -> str:
    """The name of a database migrated to this checkout's migrations, built once and kept (as
    `shanxin_tpl_<hash>`) so that each run copies it instead of migrating for half a minute.
    `url` is any database URL on the server; `env` the settings to migrate with."""
    import hashlib

    import psycopg

    digest = hashlib.sha256()
    for path in [*sorted(ROOT.glob("*/migrations/*.py")), ROOT / "requirements" / "base.txt"]:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    name = f"shanxin_tpl_{digest.hexdigest()[:16]}"
    parts, connection = _admin_connection(url)
    with connection:
        # One builder at a time (xdist workers, a benchmark); the others wait and reuse it.
        connection.execute("SELECT pg_advisory_lock(hashtext(%s))", [name])
        try:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                building = f"{name}_building"
                connection.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                connection.execute(f'CREATE DATABASE "{building}"')
                target = parts._replace(path=f"/{building}").geturl()
                try:
                    manage({**env, "DATABASE_URL": target}, "migrate", "--noinput", quiet=True)
                except SetupError:
                    connection.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                    raise
                connection.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        except psycopg.Error as error:
            raise SetupError(f"PostgreSQL: {error}") from None
        finally:
            connection.execute("SELECT pg_advisory_unlock(hashtext(%s))", [name])
    return name


def redis_flush(url: str) -> None:
    """Start from an empty Redis database (cache, broker queues, counters)."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5)
        client.flushdb()
        client.close()
    except redis.RedisError as error:
        raise SetupError(f"Redis at {url}: {error}") from None


def manage(env: dict[str, str], *args: str, quiet: bool = False) -> str:
    if not quiet:
        print(f"  manage.py {' '.join(args)}", flush=True)
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SetupError(f"manage.py {args[0]} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    status, response_headers, _body = fetch(url, headers=headers)
    return status, response_headers


def fetch(
    url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request without following redirects: (status, headers, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, data=data, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Process:
    """A child process with its output in a temporary file."""

    name = "process"

    def __init__(self, name: str, command: list[str], env: dict[str, str]):
        self.name = name
        self.log = tempfile.NamedTemporaryFile(prefix=f"shanxin-{name}-", suffix=".log")  # noqa: SIM115
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def log_text(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def log_tail(self, size: int = 3000) -> str:
        return self.log_text()[-size:]

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise SetupError(f"{self.name} exited:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def procfile_command(process: str, env: dict[str, str]) -> list[str]:
    """The Procfile's command line of `process`, with `${NAME:-default}` taken from `env`, and
    its program run by this Python (the virtualenv's gunicorn or celery module)."""
    lines = dict(
        line.split(":", 1)
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    if process not in lines:
        raise SetupError(f"the Procfile has no '{process}' process")

    def expand(match: re.Match) -> str:
        return env.get(match.group(1)) or match.group(2) or ""

    line = re.sub(r"\$\{(\w+)(?::-([^}]*))?\}", expand, lines[process])
    program, *arguments = shlex.split(line)
    if program == "python":
        return [sys.executable, *arguments]
    return [sys.executable, "-m", program, *arguments]


class Server(Process):
    """gunicorn serving the project, started by the Procfile's `web` line."""

    def __init__(self, name: str, env: dict[str, str], *, workers: int = 2):
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.workers = workers
        env = {**env, "PORT": str(port), "WEB_CONCURRENCY": str(workers)}
        super().__init__(name, procfile_command("web", env), env)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if get(self.base + HEALTH)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SetupError(f"{self.name} did not answer {HEALTH}:\n{self.log_tail()}")


class CeleryWorker(Process):
    """A Celery worker on the production settings, started by the Procfile's `worker` line."""

    def __init__(self, env: dict[str, str], *, concurrency: int = 1):
        env = {**env, "CELERY_CONCURRENCY": str(concurrency)}
        super().__init__("celery-worker", procfile_command("worker", env), env)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            if re.search(r"celery@\S+ ready", self.log_text()):
                return
            time.sleep(0.3)
        raise SetupError(f"the Celery worker did not start:\n{self.log_tail()}")


class FakeStripe(Process):
    """bench/fake_stripe.py on a free port: where STRIPE_API_BASE points."""

    def __init__(self):
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        super().__init__(
            "fake-stripe",
            [sys.executable, str(ROOT / "bench" / "fake_stripe.py"), "--port", str(port)],
            dict(os.environ),
        )

    def wait_ready(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if get(self.base + "/_stats")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SetupError(f"the Stripe stand-in did not start:\n{self.log_tail()}")

    def sessions(self) -> list[dict]:
        status, _headers, body = fetch(self.base + "/_sessions")
        if status != 200:
            raise SetupError(f"the Stripe stand-in answered {status} to /_sessions")
        return json.loads(body)["data"]

    def stats(self) -> dict:
        return json.loads(fetch(self.base + "/_stats")[2])


def signed_webhook(payload: dict, secret: str) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a webhook delivery signed as Stripe signs it."""
    import stripe

    body = json.dumps(payload)
    signature = stripe.WebhookSignature.generate_signature_header(
        body, secret, timestamp=int(time.time())
    )
    return body.encode(), {"Content-Type": "application/json", "Stripe-Signature": signature}
