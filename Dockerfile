# promoflow: one image for the API, the worker and the migration one-shot
# (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

WORKDIR /app
COPY requirements.lock ./
# exactly the lock (a package it forgot fails `pip check` here, not at run time)
RUN pip install --no-deps -r requirements.lock && pip check

COPY . .
RUN useradd --system --uid 10001 --home-dir /app --no-create-home promoflow
USER promoflow

EXPOSE 8000
CMD ["uvicorn", "api.app:app", "--host", "0.0.0.0", "--port", "8000", "--timeout-keep-alive", "75"]
