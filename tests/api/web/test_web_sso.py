"""Sign-in with SSO against a small real OpenID Connect provider served over HTTP by the
test (discovery, an authorize endpoint that signs in at once and redirects back with a code,
a token endpoint that checks the client's secret and the PKCE verifier, a key set): the
browser clicks `Sign in with SSO` and lands on its home with a session whose actor_id is
`<issuer>|<sub>`; a tampered `state`, an ID token for another audience or with another
`nonce`, and a provider's error are refused (403 page) and open no session."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from contextlib import asynccontextmanager
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from api.app import Deps, create_app
from api.web.session import COOKIE
from tests.api.serve import serving
from tests.api.web.conftest import Web, shot, web_settings

CLIENT_ID, CLIENT_SECRET = "promoflow-web", "client-secret-" + secrets.token_hex(8)


class Provider:
    """An OIDC provider reduced to what the flow needs; `mode` spoils one thing on purpose."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes: dict[str, dict] = {}
        self.mode = "ok"
        self.issuer = ""
        self.token_requests: list[dict] = []
        self.app = Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery), Route("/authorize", self.authorize),
            Route("/token", self.token, methods=["POST"]), Route("/jwks", self.jwks)])

    async def discovery(self, _: Request) -> JSONResponse:
        return JSONResponse({"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                             "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks"})

    async def jwks(self, _: Request) -> JSONResponse:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return JSONResponse({"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]})

    async def authorize(self, request: Request) -> RedirectResponse:
        q = request.query_params
        assert q["client_id"] == CLIENT_ID and q["response_type"] == "code"
        assert q["code_challenge_method"] == "S256" and q["code_challenge"] and q["nonce"] and q["state"]
        if self.mode == "denied":
            return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'error': 'access_denied', 'state': q['state']})}")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": q["code_challenge"], "nonce": q["nonce"], "redirect_uri": q["redirect_uri"]}
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}")

    async def token(self, request: Request) -> JSONResponse:
        form = await request.form()
        self.token_requests.append(dict(form))
        basic = base64.b64decode(request.headers.get("authorization", "Basic ").split(" ", 1)[1] or b"").decode()
        grant = self.codes.pop(str(form.get("code")), None)
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if basic != f"{CLIENT_ID}:{CLIENT_SECRET}" or grant is None or challenge != grant["challenge"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": "someone-else" if self.mode == "aud" else CLIENT_ID, "sub": "u-42",
                  "iat": now, "exp": now + 300, "nonce": "other" if self.mode == "nonce" else grant["nonce"],
                  "preferred_username": "ana.sso", "promoflow_role": "approver"}
        id_token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})
        return JSONResponse({"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token})


@asynccontextmanager
async def sso_web(web: Web):
    provider = Provider()
    async with serving(provider.app) as issuer:
        provider.issuer = issuer
        settings = web_settings(web.settings.task_queue, demo_login=False, oidc_issuer=issuer,
                                oidc_audience="promoflow-api", oidc_jwks_url=f"{issuer}/jwks",
                                oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET)
        deps = Deps(settings, web.client, web.pool, web.deps.tokens)
        async with serving(create_app(deps)) as url:
            yield provider, Web(url, web.pool, web.client, settings, deps)


async def test_sign_in_with_sso_in_the_browser(web: Web, browser):
    async with sso_web(web) as (provider, app):
        context = await browser.new_context(base_url=app.url)
        try:
            page = await context.new_page()
            await page.goto("/app/login")
            assert await page.get_by_role("button", name=re.compile("^Sign in as")).count() == 0  # no demo here
            await shot(page, "login-sso")
            await page.get_by_role("link", name="Sign in with SSO").click()
            await page.wait_for_url(re.compile(r".*/app/inbox$"))
            assert "ana.sso" in await page.inner_text("header")
            cookie = next(c["value"] for c in await context.cookies() if c["name"] == COOKIE)
        finally:
            await context.close()
        assert provider.token_requests and provider.token_requests[0]["code_verifier"]
        from infra.tokens import digest

        row = await app.pool.fetchrow("SELECT name, role, actor_id FROM web_sessions WHERE id_sha256 = $1",
                                      digest(cookie.rsplit(".", 1)[0]))
        assert dict(row) == {"name": "ana.sso", "role": "approver", "actor_id": f"{provider.issuer}|u-42"}


async def _round_trip(app: Web, *, spoil_state: bool = False) -> httpx.Response:
    """The flow by hand with httpx: begin, the provider's redirect, the callback."""
    async with httpx.AsyncClient(base_url=app.url, timeout=30) as http:
        begin = await http.get("/app/login/sso")
        assert begin.status_code == 303
        async with httpx.AsyncClient(timeout=30) as outside:
            back = await outside.get(begin.headers["location"])
        assert back.status_code in (302, 307), back.text
        callback = urlsplit(back.headers["location"])
        query = {k: v[0] for k, v in parse_qs(callback.query).items()}
        if spoil_state:
            query["state"] = "x" + query["state"]
        answer = await http.get(f"{callback.path}?{urlencode(query)}")
        answer.extensions["cookies"] = dict(http.cookies)
        return answer


async def test_sso_refusals_open_no_session(web: Web):
    async with sso_web(web) as (provider, app):
        ok = await _round_trip(app)
        assert ok.status_code == 303 and ok.headers["location"] == "/app/inbox"
        assert COOKIE in ok.extensions["cookies"]
        for mode, spoil, why in (("ok", True, "state"), ("nonce", False, "nonce"), ("aud", False, "audience"),
                                 ("denied", False, "access_denied")):
            provider.mode = mode
            answer = await _round_trip(app, spoil_state=spoil)
            assert answer.status_code == 403, (mode, answer.text)
            assert why in answer.text, (mode, answer.text)
            assert COOKIE not in answer.extensions["cookies"], mode
