"""The API's request metrics in Prometheus text format at GET /metrics."""

from __future__ import annotations

import time

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest


def install(app: FastAPI) -> None:
    registry = CollectorRegistry()  # one per app, so tests can build many apps
    requests = Counter("promoflow_api_requests_total", "HTTP requests", ["method", "route", "status"],
                       registry=registry)
    latency = Histogram("promoflow_api_request_seconds", "HTTP request latency", ["method", "route"],
                        registry=registry, buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

    @app.middleware("http")
    async def _measure(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        name = getattr(route, "path", "unmatched")  # the template, not the id: bounded labels
        latency.labels(request.method, name).observe(time.perf_counter() - started)
        requests.labels(request.method, name, str(response.status_code)).inc()
        return response

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
