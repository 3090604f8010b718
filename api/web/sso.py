"""Sign-in with single sign-on: the OpenID Connect authorization-code flow with PKCE (S256),
`state` and `nonce`, through authlib's OAuth 2 client; configured by
`PROMOFLOW_OIDC_CLIENT_ID` / `PROMOFLOW_OIDC_CLIENT_SECRET` beside the issuer settings of the
bearer JWTs (`PROMOFLOW_OIDC_ISSUER`, `..._JWKS_URL`; the endpoints from the issuer's discovery
document, `<issuer>/.well-known/openid-configuration`, or `PROMOFLOW_OIDC_DISCOVERY_URL`).

`GET /app/login/sso` makes `state`, `nonce` and the PKCE verifier, keeps them (and the path
to come back to) in the signed pre-session cookie (api/web/csrf.py) and sends the browser to
the issuer. `GET /app/login/callback` checks `state` against that cookie, exchanges the code
(with the verifier and the client's secret) at the token endpoint, verifies the ID token
against the issuer's key set (api/oidc.py's verifier, `aud` = the client id, `iss`, `exp`)
and its `nonce`, and opens a session for the principal its claims name (role, line and name
from the configured claims; `actor_id` = `<issuer>|<sub>`). The callback is the one GET that
signs in: the flow requires it, and `state` + PKCE bind it to the browser that began it.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.deprecate import AuthlibDeprecationWarning
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from api.deps import AppDeps, Deps
from api.errors import status_of
from api.oidc import OidcVerifier
from api.web import csrf, session
from api.web.render import WebError
from services.errors import Refused

with warnings.catch_warnings():  # authlib prefers `httpx2` and warns when it falls back to httpx (what we ship)
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

router = APIRouter(include_in_schema=False)
SCOPE = "openid profile email"
_METADATA: dict[str, tuple[float, dict[str, Any]]] = {}
_VERIFIERS: dict[tuple[str, str, str], OidcVerifier] = {}
METADATA_TTL_S = 3600.0


def _enabled(d: Deps) -> None:
    if not d.settings.sso_login_enabled:
        raise WebError(404, "No single sign-on", "Sign-in with SSO is not configured on this server.")


async def _metadata(d: Deps) -> dict[str, Any]:
    s = d.settings
    assert s.oidc_issuer
    url = s.oidc_discovery_url or s.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
    cached = _METADATA.get(url)
    if cached and time.monotonic() - cached[0] < METADATA_TTL_S:
        return cached[1]
    try:
        async with httpx.AsyncClient(timeout=5.0) as http:
            answer = await http.get(url)
            answer.raise_for_status()
            meta = answer.json()
    except (httpx.HTTPError, ValueError) as err:
        raise WebError(503, "Single sign-on is unavailable",
                       "The sign-on provider's configuration could not be read; try again shortly.") from err
    if not isinstance(meta, dict) or not meta.get("authorization_endpoint") or not meta.get("token_endpoint"):
        raise WebError(503, "Single sign-on is unavailable", "The sign-on provider's configuration is incomplete.")
    _METADATA[url] = (time.monotonic(), meta)
    return meta


def _verifier(d: Deps) -> OidcVerifier:
    s = d.settings
    assert s.oidc_issuer and s.oidc_jwks_url and s.oidc_client_id
    key = (s.oidc_issuer, s.oidc_client_id, s.oidc_jwks_url)
    if key not in _VERIFIERS:
        _VERIFIERS[key] = OidcVerifier(
            issuer=s.oidc_issuer, audience=s.oidc_client_id, jwks_url=s.oidc_jwks_url,
            algorithms=[a.strip() for a in s.oidc_algorithms.split(",") if a.strip()],
            role_claim=s.oidc_role_claim, line_claim=s.oidc_line_claim, name_claim=s.oidc_name_claim,
            leeway_s=s.oidc_leeway_s, jwks_lifespan_s=s.oidc_jwks_lifespan_s)
    return _VERIFIERS[key]


def _client(d: Deps, request: Request) -> AsyncOAuth2Client:
    s = d.settings
    assert s.oidc_client_secret
    return AsyncOAuth2Client(client_id=s.oidc_client_id, client_secret=s.oidc_client_secret.get_secret_value(),
                             scope=SCOPE, redirect_uri=str(request.url_for("sso_callback")),
                             code_challenge_method="S256", timeout=10.0)


@router.get("/app/login/sso")
async def sso_begin(request: Request, d: AppDeps, next: str | None = None) -> Response:
    _enabled(d)
    meta = await _metadata(d)
    verifier, nonce = generate_token(48), generate_token(32)
    async with _client(d, request) as client:
        url, state = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier,
                                                     nonce=nonce)
    response = RedirectResponse(url, status_code=303)
    csrf.begin_login(d, request, response, next=session.safe_next(next), state=state, nonce=nonce,
                     verifier=verifier)
    return response


def _refused(message: str) -> WebError:
    return WebError(403, "The sign-in was refused", message)


@router.get("/app/login/callback", name="sso_callback")
async def sso_callback(request: Request, d: AppDeps, code: str | None = None, state: str | None = None,
                       error: str | None = None) -> Response:
    _enabled(d)
    flow = csrf.login_flow(d, request)
    if flow is None or not flow.get("state"):
        raise _refused("This sign-in was not started from this browser, or took too long. Start again.")
    if not csrf.same(state, flow["state"]):
        raise _refused("The sign-on answer does not match the sign-in this browser started (state).")
    if error or not code:
        raise _refused(f"The sign-on provider did not sign you in ({error or 'no code'}).")
    meta = await _metadata(d)
    try:
        async with _client(d, request) as client:
            token = await client.fetch_token(meta["token_endpoint"], grant_type="authorization_code", code=code,
                                             code_verifier=flow["verifier"])
    except Exception as err:  # noqa: BLE001 - authlib raises its own errors and httpx's: all say "refused"
        raise _refused(f"The sign-on provider refused the code ({type(err).__name__}).") from err
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise _refused("The sign-on provider sent no ID token.")
    verifier = _verifier(d)
    try:
        claims = await run_in_threadpool(verifier.claims, id_token)  # pyjwt's key fetch blocks
        if not csrf.same(claims.get("nonce"), flow.get("nonce")):
            raise _refused("The ID token was not issued for this sign-in (nonce).")
        actor = verifier.actor_of(claims)
    except Refused as err:
        raise WebError(status_of(err) if status_of(err) in (403, 503) else 403, "The sign-in was refused",
                       err.message) from err
    response = RedirectResponse(session.safe_next(flow.get("next")) or session.home(actor), status_code=303)
    await session.start(d, request, response, actor)
    csrf.end_login(request, response)
    return response
