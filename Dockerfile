# One image for every process of the Procfile: web (the default), worker, beat and release.
#   docker build -t shanxin .
#   docker run --env-file .env shanxin                                         # web
#   docker run --env-file .env shanxin celery -A config worker --loglevel=INFO  # worker
# deploy/compose.yaml runs the whole platform from it.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PORT=8000

# gettext compiles the catalogs; the CJK font sets service-certificate PDFs (CERTIFICATE_FONT).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt

COPY . .
# Static files are collected into the image (WhiteNoise serves them); the values here exist only
# for this step, because the production settings refuse to load without them.
RUN python manage.py compilemessages --ignore=.venv -v0 \
    && SECRET_KEY=build-only-$(python -c "import secrets; print(secrets.token_hex(32))") \
       ALLOWED_HOSTS=build STRIPE_SECRET_KEY=sk_build STRIPE_WEBHOOK_SECRET=whsec_build \
       python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 --home /app shanxin \
    && mkdir -p /app/media && chown shanxin /app/media

USER shanxin
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz/', timeout=4)"
# The Procfile's web line.
CMD ["sh", "-c", "exec gunicorn config.wsgi --bind 0.0.0.0:${PORT:-8000} --workers ${WEB_CONCURRENCY:-3} --timeout 30 --graceful-timeout 30 --access-logfile -"]
