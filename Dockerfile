# syntax=docker/dockerfile:1
# Production image for the CCPCJ questionnaire portal (Django + gunicorn; the same
# image runs the Celery worker and beat, see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portal.settings

# System libraries: WeasyPrint (Pango/HarfBuzz/FFI/images/MIME), fonts covering
# the six UN languages (Noto core + CJK, DejaVu), and libpq for PostgreSQL.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        libffi8 \
        libjpeg62-turbo \
        libopenjp2-7 \
        shared-mime-info \
        fonts-noto-core \
        fonts-noto-cjk \
        fonts-dejavu-core \
        libpq5 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system portal \
    && useradd --system --gid portal --home-dir /app --shell /usr/sbin/nologin portal

WORKDIR /app

# Dependencies first, so that this layer is cached across source changes.
COPY pyproject.toml requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

# Then the source, installed without re-resolving dependencies.
COPY . .
RUN pip install --no-cache-dir --no-deps .

# Static files are collected at build time with throwaway settings (no database
# connection is made by collectstatic); the production settings insist on long secrets.
RUN SECRET_KEY=build-only-collectstatic-not-a-secret-0123456789abcdef \
    HISTORY_SEAL_KEY=build-only-collectstatic-not-a-seal-key \
    DEBUG=False \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --noinput

RUN mkdir -p /app/media \
    && chown -R portal:portal /app/media

USER portal

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
