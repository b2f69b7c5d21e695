"""The test suite: fast hashing, in-memory mail, eager tasks, the database from DATABASE_URL."""

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, env

DEBUG = False
SECRET_KEY = "test-only-not-a-secret-5b1d7e"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
WAGTAILADMIN_BASE_URL = "http://testserver"
MEDIA_ROOT = BASE_DIR / ".test-media"
# The browser tests' live server serves static files straight from the source folders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Rate limits are tested explicitly where they matter; elsewhere they would make tests flaky.
ACCOUNT_RATE_LIMITS = False

# SQLite tests use a file, not memory, so that a real Celery worker process can open the same
# test database; CI names a fresh PostgreSQL test database per run.
_default_test_name = (
    str(BASE_DIR / ".test-db.sqlite3")
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    else None
)
DATABASES["default"]["TEST"] = {
    "NAME": env("TEST_DATABASE_NAME", default=None) or _default_test_name
}
