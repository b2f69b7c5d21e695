"""Production: PostgreSQL, Redis, real email and Stripe. Refuses to start half-configured."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, SECRET_KEY, env

DEBUG = False

_INSECURE_KEY_MARKERS = ("django-insecure", "not-a-secret", "changeme", "secret")
if len(SECRET_KEY) < 50 or any(marker in SECRET_KEY.lower() for marker in _INSECURE_KEY_MARKERS):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the hosts this site is served on.")

if not (env("STRIPE_SECRET_KEY", default="") and env("STRIPE_WEBHOOK_SECRET", default="")):
    raise ImproperlyConfigured(
        "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set in production: the local test "
        "gateway never runs there."
    )
STRIPE_TEST_GATEWAY = False

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
# Persistent connections: each request would otherwise pay for a new PostgreSQL session.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
