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
