"""Settings shared by every mode. Everything deployment-specific comes from the environment.

With nothing set, the platform runs embedded: SQLite, a local-memory cache, console email and
Celery tasks executed in-process. `.env.example` lists every variable read here.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications -----------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.simple_translation",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.locales",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Accounts
    "allauth",
    "allauth.account",
    # Import/export for finance staff
    "import_export",
    # Security: Content-Security-Policy header, login lockouts
    "csp",
    "axes",
    # Ours, bottom layer first (dependencies point down: cms → volunteers → charity).
    "charity",
    "volunteers",
    "cms",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside the page cache, so cached pages carry the policy too.
    "config.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "charity.middleware.LanguageCookieMiddleware",
    "cms.page_cache.PageCacheMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "charity.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "charity.context_processors.site_chrome",
                "cms.context_processors.navigation",
            ],
        },
    },
]

# --- Data ---------------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server, a Celery worker and tests read while one of them writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["timeout"] = 20
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    # Parameters bound by the server, and a statement prepared once a kept connection has run it
    # five times (psycopg's threshold): PostgreSQL then skips parsing and planning it. That was
    # two thirds of the published pages' database time (bench/pages.py). Django leaves it off for
    # poolers in transaction mode; set DATABASE_PREPARED_STATEMENTS=false behind one.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.SharedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "shanxin",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Wagtail writes a rendition to this cache every time a template asks for one; in process memory
# that costs no network round trip. A rendition's key holds its image's file hash, so a replaced
# image is never served from here. A rendition deleted by hand may linger in other processes until
# its entry expires (the page cache keeps pages as long).
CACHES["renditions"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "renditions",
    "TIMEOUT": 600,
    "OPTIONS": {"MAX_ENTRIES": 2000},
}
# How long an anonymous reader's page may be served from the cache; changes invalidate it sooner
# (cms.page_cache). 0 turns the page cache off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)

# --- Accounts -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "charity.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before any backend checks the password.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "charity:dashboard"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Organization staff handle money and beneficiaries' data, so every account proves its address
# before it can log in; permission checks re-verify it (charity.permissions).
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Shanxin] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_ADAPTER = "charity.adapters.AccountAdapter"

# Login lockout (django-axes), for every login form (the site's, Wagtail's, Django admin's): after
# AXES_FAILURE_LIMIT wrong passwords for one email from one address, that email cannot log in from
# that address until AXES_COOLOFF_TIME has passed since the last failure. Locking the pair (not the
# email alone) keeps an attacker from locking a real user out from everywhere; allauth's
# ACCOUNT_RATE_LIMITS above still slow down one address trying many emails.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "charity.adapters.login_username"
AXES_CLIENT_IP_CALLABLE = "config.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "charity.adapters.lockout_response"
# Failures only: successful logins are not logged with their address and browser.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# Rate limits per person (the user when logged in, else the client's address), counted in the
# shared cache (config.ratelimit): "COUNT/PERIOD", PERIOD like 60s, 10m, h, 1d; empty: no limit.
RATE_LIMITS = {
    "donation_start": env("RATE_LIMIT_DONATION_START", default="10/10m"),
    "shift_signup": env("RATE_LIMIT_SHIFT_SIGNUP", default="30/h"),
}
# How many proxies in front of the app servers append to X-Forwarded-For (nginx, a load balancer).
# 0: the client is REMOTE_ADDR. Set it to the real number behind proxies, or every visitor shares
# the proxy's address (and its rate limits and lockouts); never more than the real number, or
# clients can choose their own address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("en", "English"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
# Shown to users who have not chosen a zone; storage is always UTC.
DEFAULT_USER_TIME_ZONE = "Asia/Shanghai"

# The CJK font service-certificate PDFs are set in (fonts-noto-cjk; `make fonts` installs it) and,
# for a font collection (.ttc), which face: 2 is Simplified Chinese in Noto Sans CJK.
CERTIFICATE_FONT = env(
    "CERTIFICATE_FONT", default="/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
)
CERTIFICATE_FONT_INDEX = env.int("CERTIFICATE_FONT_INDEX", default=2)

WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAIL_SITE_NAME = "Shanxin"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILDOCS_EXTENSIONS = ["pdf", "png", "jpg", "jpeg", "xlsx", "csv", "odt", "docx"]

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email --------------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Shanxin <noreply@shanxin.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker the tasks run in the calling process, so the embedded default needs nothing.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    # Stripe events that failed or arrived before what they refer to.
    "stripe-events-retry": {"task": "charity.tasks.stripe_events_retry", "schedule": 60.0},
    # Receipts not sent (the mail server was down past the retries, or a worker died first).
    "donation-receipts-resend": {
        "task": "charity.tasks.donation_receipts_resend",
        "schedule": 600.0,
    },
    # The day-before reminders of volunteer shifts (each sent once, however often this runs).
    "shift-reminders-send": {"task": "volunteers.tasks.shift_reminders_send", "schedule": 3600.0},
    # Disclosures due within 30 days or overdue: each reminder once, to the owners (08:30 China time).
    "disclosure-reminders": {
        "task": "cms.tasks.disclosure_reminders_send",
        "schedule": crontab(hour=0, minute=30),
    },
}

# Transparency reports count volunteers' approved hours through this reader (charity cannot import
# volunteers): (organization, start, end) → minutes of service on shifts starting in [start, end).
VOLUNTEER_MINUTES_READER = "volunteers.selectors.approved_volunteer_minutes"

# --- Stripe (used from the donations capability on) ---------------------------------------------
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
# Where the Stripe SDK sends its requests: Stripe itself, unless a Stripe-compatible server stands
# in (the production end-to-end test and bench/load.py run one on loopback).
STRIPE_API_BASE = env("STRIPE_API_BASE", default="https://api.stripe.com")
# Without a secret key, the local test gateway stands in for Stripe (never in production). It signs
# the events it delivers to the site's own webhook with this secret.
STRIPE_TEST_GATEWAY = not STRIPE_SECRET_KEY
if STRIPE_TEST_GATEWAY and not STRIPE_WEBHOOK_SECRET:
    STRIPE_WEBHOOK_SECRET = "whsec_local_test_gateway_not_a_secret"  # noqa: S105

# Donations, in minor units of the currency (fen, cents)
DONATION_MIN_AMOUNT = env.int("DONATION_MIN_AMOUNT", default=100)
DONATION_MAX_AMOUNT = env.int("DONATION_MAX_AMOUNT", default=100_000_000)
DONATION_PRESET_AMOUNTS = [5_000, 10_000, 20_000, 50_000]

# --- Security defaults that hold in every mode --------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
CSRF_COOKIE_SAMESITE = "Lax"
# Pages may not be framed elsewhere. Wagtail's preview frames the admin's own pages (its views say
# SAMEORIGIN), and the policy's frame-ancestors 'self' below is what browsers obey.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy on every response. Scripts come only from our own origin: no inline
# <script>, no event-handler attributes, no eval, so injected markup cannot run code (the site's JS
# is static/js/site.js; the one exception is the Wagtail admin, see CSP_INLINE_SCRIPT_PATHS).
# Inline *styles* are allowed: templates and the Wagtail admin set style attributes (chart
# colours, widths), and a style cannot run code. Forms post to the site itself; a donation's POST is answered with a
# redirect to Stripe Checkout, which browsers check against form-action too.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF, "https://checkout.stripe.com"],
    }
}
# Wagtail's admin writes inline scripts into its forms; only there may they run (config.csp says why).
CSP_INLINE_SCRIPT_PATHS = ["/cms-admin/"]
# The admin would otherwise load avatars from gravatar.com (a third party learning staff's email
# hashes, and an image the policy refuses); Wagtail shows its own default avatar instead.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# The admin would otherwise ask releases.wagtail.io for the latest version from the browser (a
# request the policy refuses, and one that tells a third party who runs the admin).
WAGTAIL_ENABLE_UPDATE_CHECK = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # Masks email addresses and mobile numbers that a library or an exception lets through.
        "plain": {
            "()": "config.log_format.PersonalDataFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # At DEBUG the Stripe SDK logs request bodies (donors' emails and names).
        "stripe": {"level": "INFO"},
        # Wagtail logs every page action and its background tasks at INFO; that is noise here.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        # django-axes logs every login at INFO; lockouts (WARNING) still show.
        "axes": {"level": "WARNING"},
    },
}

SITE_NAME = _("Shanxin")
