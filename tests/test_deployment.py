"""The deployment files agree with each other and with the settings: the Procfile (which the
production end-to-end test and bench/load.py start their processes from), the container
definitions, `.env.example`, and the production settings' media storage."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def procfile() -> dict[str, str]:
    return {
        name: command.strip()
        for name, command in (
            line.split(":", 1)
            for line in (ROOT / "Procfile").read_text().splitlines()
            if line.strip() and not line.startswith("#")
        )
    }


def test_the_procfile_runs_migrations_gunicorn_workers_and_one_beat():
    processes = procfile()
    assert set(processes) == {"release", "web", "worker", "beat"}
    assert processes["release"] == "python manage.py migrate --noinput"
    assert processes["web"].startswith("gunicorn config.wsgi --bind 0.0.0.0:${PORT:-8000} ")
    assert processes["worker"].startswith("celery -A config worker ")
    assert processes["beat"].startswith("celery -A config beat ")


def test_the_containers_run_the_procfile_lines():
    processes = procfile()
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    for name, command in processes.items():
        shell, flag, line = compose["services"][name]["command"]
        assert (shell, flag) == ("sh", "-c")
        assert line.removeprefix("exec ") == command, name
    assert compose["services"]["beat"]["deploy"]["replicas"] == 1
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = re.search(r'^CMD \["sh", "-c", "exec (.*)"\]$', dockerfile, re.MULTILINE)
    assert cmd and cmd.group(1) == processes["web"]


def test_env_example_lists_every_variable_the_settings_and_the_procfile_read():
    listed = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    )
    read = set()
    for path in (ROOT / "config" / "settings").glob("*.py"):
        read |= set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]+)\"", path.read_text()))
    read |= set(re.findall(r"\$\{(\w+)", (ROOT / "Procfile").read_text()))
    assert "STRIPE_API_BASE" in read and "MEDIA_STORAGE" in read  # the pattern finds them
    assert read - listed == set()


def production_storage(**env) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_hex(32),
        "ALLOWED_HOSTS": "shanxin.example.org",
        "STRIPE_SECRET_KEY": "sk_test_" + secrets.token_hex(8),
        "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(8),
        **env,
    }
    code = (
        "import django; django.setup(); "
        "from django.core.files.storage import storages; s = storages['default']; "
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.querystring_auth)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_media_can_live_on_s3_compatible_storage_shared_by_every_app_server():
    result = production_storage(
        MEDIA_STORAGE="s3", S3_BUCKET="shanxin-media", S3_ENDPOINT_URL="http://minio:9000"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["S3Storage", "shanxin-media", "http://minio:9000", "True"]


def test_s3_media_without_a_bucket_refuses_to_start():
    result = production_storage(MEDIA_STORAGE="s3", S3_BUCKET="")
    assert result.returncode != 0
    assert "S3_BUCKET" in result.stderr
