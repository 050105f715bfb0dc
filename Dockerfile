FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

RUN useradd --create-home --uid 1000 tandem
WORKDIR /app

# Exactly the pinned, hashed packages (requirements-production.lock; `make lock`).
COPY pyproject.toml requirements-production.lock ./
RUN pip install --no-cache-dir --upgrade pip \
    && pip install --no-cache-dir --require-hashes -r requirements-production.lock \
    && pip install --no-cache-dir --no-deps -e .

COPY --chown=tandem:tandem . .
# collectstatic needs a SECRET_KEY to import settings; this one is never used at run time.
RUN SECRET_KEY=build-time-only-key-build-time-only-key-build-time-only-key-xx \
    EMAIL_URL=smtp://localhost:25 \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media/exports && chown -R tandem:tandem /app/var/media

USER tandem
EXPOSE 8000
CMD ["gunicorn", "-c", "python:config.gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
