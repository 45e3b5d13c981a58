# syntax=docker/dockerfile:1
# Staffwell's image: one image for the web process (gunicorn), the Celery worker and Celery beat;
# docker-compose.yml chooses the command. Non-root, production settings, static files collected.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- runtime: what every stage needs at run time --------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# WeasyPrint (board reports as PDF) loads Pango, HarfBuzz and fontconfig at run time; DejaVu is a
# font with Welsh and French glyphs for the PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=wellbeing.settings.production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    CELERY_BEAT_SCHEDULE_FILENAME=/tmp/celerybeat-schedule

# --- build: dependencies, compiled translations, collected static files ---------------------------
FROM runtime AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
WORKDIR /app
# Dependencies first, so a code change does not reinstall them. The project itself lists no
# Python package to install (pyproject.toml): its code is copied below.
COPY pyproject.toml README.md ./
RUN pip install .
COPY . .
RUN if find . -name '*.po' | grep -q .; then \
        DJANGO_SETTINGS_MODULE=wellbeing.settings.base python manage.py compilemessages; \
    fi
# collectstatic needs settings, not secrets: throwaway values that exist only in this RUN.
RUN SECRET_KEY=collectstatic-only-this-is-not-a-secret-and-is-never-used-at-run-time \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

# --- the image ----------------------------------------------------------------------------------
FROM runtime
RUN useradd --system --uid 10001 --user-group --home-dir /home/staffwell --create-home staffwell \
    && mkdir -p /data/media \
    && chown staffwell:staffwell /data/media
COPY --from=build /opt/venv /opt/venv
# Code and static files stay owned by root: the application can read them, never change them.
COPY --from=build /app /app
WORKDIR /app
USER staffwell
EXPOSE 8000
CMD ["gunicorn", "wellbeing.wsgi:application", "--config", "gunicorn.conf.py"]
