"""Each settings mode, loaded in a fresh interpreter with a controlled environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k3J9-" + "x7Qp2LmZ8vR4tY6wB1nC5dF0gH3jK9sA" * 2
STRIPE = {"STRIPE_SECRET_KEY": "sk_live_example", "STRIPE_WEBHOOK_SECRET": "whsec_example"}

PROBE = """
import json, django
from django.conf import settings
django.setup()
from config.celery import app
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "cache": settings.CACHES["default"]["BACKEND"],
    "email": settings.EMAIL_BACKEND,
    "eager": app.conf.task_always_eager,
    "broker": app.conf.broker_url,
    "debug": settings.DEBUG,
    "hsts": getattr(settings, "SECURE_HSTS_SECONDS", 0),
    "session_secure": settings.SESSION_COOKIE_SECURE,
}))
"""


def run_with(settings_module: str, code: str = PROBE, **env_vars) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(ROOT)),
        "DJANGO_SETTINGS_MODULE": settings_module,
        **env_vars,
    }
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def probe(settings_module: str, **env_vars) -> dict:
    result = run_with(settings_module, **env_vars)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_needs_nothing():
    found = probe("config.settings.local")
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["cache"].endswith("LocMemCache")
    assert found["email"].endswith("console.EmailBackend")
    assert found["eager"] is True
    assert found["debug"] is True


def test_environment_selects_postgresql_redis_and_smtp():
    found = probe(
        "config.settings.local",
        DATABASE_URL="postgres://shanxin:pw@db.internal:5432/shanxin",
        REDIS_URL="redis://cache.internal:6379/1",
        EMAIL_URL="smtp+tls://mailer:pw@smtp.internal:587",
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["db_name"] == "shanxin"
    assert found["cache"].endswith("RedisCache")
    assert found["email"].endswith("smtp.EmailBackend")
    assert found["eager"] is False
    assert found["broker"] == "redis://cache.internal:6379/1"


def test_production_is_secure():
    found = probe(
        "config.settings.production",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="shanxin.example.org",
        **STRIPE,
    )
    assert found["debug"] is False
    assert found["hsts"] >= 31536000
    assert found["session_secure"] is True


@pytest.mark.parametrize(
    "env_vars",
    [
        {"ALLOWED_HOSTS": "shanxin.example.org", **STRIPE},
        {"ALLOWED_HOSTS": "shanxin.example.org", "SECRET_KEY": "short", **STRIPE},
        {
            "ALLOWED_HOSTS": "shanxin.example.org",
            "SECRET_KEY": "django-insecure-" + "a" * 60,
            **STRIPE,
        },
        {"SECRET_KEY": STRONG_KEY, **STRIPE},
        {"SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "shanxin.example.org"},
        {
            "SECRET_KEY": STRONG_KEY,
            "ALLOWED_HOSTS": "shanxin.example.org",
            "STRIPE_SECRET_KEY": "sk_live_example",
        },
    ],
    ids=[
        "missing key",
        "short key",
        "insecure key",
        "missing hosts",
        "no stripe keys",
        "no webhook secret",
    ],
)
def test_production_refuses_to_start_half_configured(env_vars):
    result = run_with("config.settings.production", **env_vars)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_passes_the_deployment_check():
    result = run_with(
        "config.settings.production",
        code="import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="shanxin.example.org",
        **STRIPE,
        DATABASE_URL=f"sqlite:///{ROOT / '.test-db-deploy-check.sqlite3'}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PRODUCTION_RESPONSES = """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="shanxin.example.org")
plain = client.get("/healthz/")
secure = client.get("/healthz/", secure=True)
from django.conf import settings
print(json.dumps({
    "plain": [plain.status_code, plain.headers.get("Location", "")],
    "headers": dict(secure.headers),
    "cookies": {
        name: getattr(settings, name)
        for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE",
                     "SESSION_COOKIE_HTTPONLY")
    },
}))
"""


def test_production_responses_carry_the_security_headers():
    result = run_with(
        "config.settings.production",
        code=PRODUCTION_RESPONSES,
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="shanxin.example.org",
        **STRIPE,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    # Plain HTTP is sent to HTTPS (the health check excepted, for the balancer).
    assert found["plain"][0] == 200
    headers = found["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]
    assert (
        "'unsafe-inline'"
        not in headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert all(found["cookies"].values())


def test_production_sends_plain_http_to_https():
    code = PRODUCTION_RESPONSES.replace('"/healthz/")\nsecure', '"/robots.txt")\nsecure')
    result = run_with(
        "config.settings.production",
        code=code,
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="shanxin.example.org",
        **STRIPE,
    )
    assert result.returncode == 0, result.stderr
    status, location = json.loads(result.stdout.strip().splitlines()[-1])["plain"]
    assert status == 301
    assert location == "https://shanxin.example.org/robots.txt"
