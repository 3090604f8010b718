"""The HTTP client: the only place that talks to the API (bearer token, retries of
idempotent calls, API errors turned into CliError)."""

from __future__ import annotations

import sys
import time
from typing import Any

# httpx's own command line (`httpx._main`, which loads click, rich and pygments: a quarter
# of this tool's start-up) is never used here; marked absent, `import httpx` skips it as it
# does when those packages are not installed.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

import httpx  # noqa: E402

from cli.errors import CliError  # noqa: E402
from infra.keepalive import CLIENT_KEEPALIVE_S  # noqa: E402

RETRY_STATUSES = {502, 503, 504}
JSON = {"Content-Type": "application/json"}  # with `content=`: a body the caller has encoded


def api_error(response: httpx.Response) -> CliError:
    try:
        err = response.json()["error"]
        return CliError(str(err.get("code") or f"http_{response.status_code}"), str(err.get("message")),
                        response.status_code, err.get("details"))
    except (ValueError, KeyError, TypeError):
        text = response.text.strip().replace("\n", " ")[:200] or response.reason_phrase
        return CliError(f"http_{response.status_code}", text, response.status_code)


class Api:
    """A thin, thread-safe client: one method per call, API errors raised as CliError."""

    def __init__(self, base_url: str, token: str | None, timeout: float = 30.0, retries: int = 3,
                 transport: httpx.BaseTransport | None = None, max_connections: int = 10):
        self.base_url, self.token, self.retries = base_url.rstrip("/"), token, retries
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport,
                                 limits=httpx.Limits(max_connections=max_connections,
                                                     keepalive_expiry=CLIENT_KEEPALIVE_S))

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(self, method: str, path: str, *, token: str | None = None, idempotent: bool = False,
                **kwargs) -> httpx.Response:
        """Send; retry connection failures and 502/503/504 when the call is idempotent."""
        token = token or self.token
        if not token:
            raise CliError("no_token", "give --token, --as NAME, or set PROMOFLOW_TOKEN")
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json", **kwargs.pop("headers", {})}
        attempts = self.retries if idempotent else 1
        for attempt in range(1, attempts + 1):
            try:
                response = self.http.request(method, path, headers=headers, **kwargs)
            except httpx.TransportError as err:
                if attempt < attempts:
                    time.sleep(0.3 * 2 ** (attempt - 1))
                    continue
                raise CliError("connection",
                               f"cannot reach the API at {self.base_url}: {err or type(err).__name__}") from None
            if response.status_code in RETRY_STATUSES and attempt < attempts:
                time.sleep(0.3 * 2 ** (attempt - 1))
                continue
            return response
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, **kwargs) -> Any:
        response = self.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise api_error(response)
        return response.json()

    def submit(self, body: dict[str, Any], token: str | None = None) -> httpx.Response:
        # safe to retry: the same request_id never starts a second campaign
        return self.request("POST", "/campaigns", json=body, token=token, idempotent=True)
