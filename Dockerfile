# One image for every application service of docker-compose.yml (web, worker, beat, migrate).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=dtks.settings.production \
    DTKS_VAR_DIR=/app/var

WORKDIR /app
RUN useradd --system --create-home --uid 10001 dtks

# Dependencies first (from pyproject.toml, pinned there), so a code change reuses this layer.
# The project runs from /app rather than being installed: templates/, static/ and locale/ sit
# beside the packages.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY . .
# Static files are collected into the image; WhiteNoise serves them from gunicorn. The key is a
# build-time placeholder: collectstatic needs settings, not a secret or a database.
RUN DJANGO_SECRET_KEY=collectstatic-build-only python manage.py collectstatic --noinput \
 && mkdir -p /app/var/media \
 && chown -R dtks:dtks /app/var

USER dtks
EXPOSE 8000
CMD ["gunicorn", "dtks.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", "--timeout", "60", "--no-control-socket", "--access-logfile", "-", "--error-logfile", "-"]
