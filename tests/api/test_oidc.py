"""Who may call. Single sign-on against a JWKS the test serves: the API (uvicorn, real
PostgreSQL, a worker on the dev server) accepts the issuer's RS256 JWTs beside the demo
tokens, and answers 401 for an expired token, the wrong audience, the wrong issuer,
`alg: none`, a token signed by another key under the same `kid`, an HMAC token signed with
the public key, an unknown `kid` and a token without `exp`; 403 for a valid identity
without a promoflow role. The key set is fetched once and cached, and a key removed from
it stops validating once the cached set's lifespan is over. And the tokens file's
own rules (a known role; a business line names its line)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.app import Deps, create_app
from api.auth import TokenBook
from api.oidc import from_settings
from infra.settings import Settings
from tests.api.conftest import TOKENS, body
from tests.api.serve import serving
from tests.conftest import new_task_queue, wait_until
from tests.workflows.helpers import running_worker

ISSUER, AUDIENCE, KID = "https://sso.example.test/realms/company", "promoflow", "k1"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class Issuer:
    """The company's identity provider as far as we need it: a key, a JWKS endpoint that
    counts its fetches, and tokens."""

    def __init__(self) -> None:
        self.key, self.other = _key(), _key()
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        self.jwks = {"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}
        self.fetches = 0

        async def jwks(_request):
            self.fetches += 1
            return JSONResponse(self.jwks)

        self.app = Starlette(routes=[Route("/jwks.json", jwks)])

    def claims(self, **over) -> dict:
        now = int(time.time())
        c = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 300, "sub": "u-1",
             "preferred_username": "ana.sso", "promoflow_role": "business_line", "business_line": "food"}
        c.update(over)
        return {k: v for k, v in c.items() if v is not None}

    def token(self, *, key=None, kid: str = KID, alg: str = "RS256", **over) -> str:
        return jwt.encode(self.claims(**over), key or self.key, algorithm=alg, headers={"kid": kid})


@asynccontextmanager
async def sso_api(dev_env, pool, **settings_over) -> AsyncIterator[tuple[Issuer, str]]:
    """The API with single sign-on against a served JWKS, and a worker."""
    issuer = Issuer()
    async with serving(issuer.app) as jwks_url:
        tq = new_task_queue()
        settings = Settings(task_queue=tq, oidc_issuer=ISSUER, oidc_audience=AUDIENCE,
                            oidc_jwks_url=f"{jwks_url}/jwks.json", **settings_over)
        app = create_app(Deps(settings, dev_env.client, pool, TokenBook(TOKENS), from_settings(settings)))
        async with running_worker(dev_env.client, pool, tq), serving(app) as url:
            yield issuer, url


@pytest.fixture
async def sso(dev_env, pool):
    async with sso_api(dev_env, pool) as (issuer, url):
        yield issuer, url


async def _get(url: str, token: str, path: str = "/campaigns") -> httpx.Response:
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        return await http.get(path)


async def test_a_jwt_of_the_issuer_is_a_principal_and_every_bad_token_is_401(sso):
    issuer, url = sso

    # the issuer's token: a business line that submits its own campaign and sees only its line
    good = issuer.token()
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {good}"}, timeout=30) as http:
        r = await http.post("/campaigns", json=body("sso-1"))
        assert r.status_code in (201, 202), r.text
        assert r.json()["owner"] == "ana.sso"
        assert (await http.get("/campaigns", params={"business_line": "food"})).status_code == 200
        other = await http.get("/campaigns", params={"business_line": "apparel"})
        assert other.status_code == 403 and "food" in other.json()["error"]["message"]
    ops = await _get(url, issuer.token(preferred_username="ops.sso", promoflow_role=["staff", "ops"],
                                       business_line=None))
    assert ops.status_code == 200
    assert (await _get(url, "yan.ops")).status_code == 200  # the demo tokens still work beside it

    public_pem = issuer.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': KID})}.{_b64(issuer.claims())}."
    bad = {
        "expired": (issuer.token(exp=int(time.time()) - 3600), "expired"),
        "wrong audience": (issuer.token(aud="another-app"), "audience"),
        "wrong issuer": (issuer.token(iss="https://evil.example.test"), "issuer"),
        "alg none": (unsigned, "algorithm"),
        "another key, same kid": (issuer.token(key=issuer.other), "signature"),
        "HMAC with the public key": (_hmac_with(public_pem, issuer.claims()), "algorithm"),
        "no exp": (issuer.token(exp=None), "exp"),
        "no sub (who it is)": (issuer.token(sub=None), "sub"),
        "garbage": ("a.b.c", ""),
    }
    for what, (token, says) in bad.items():
        r = await _get(url, token)
        assert r.status_code == 401, (what, r.status_code, r.text)
        assert r.headers["www-authenticate"] == "Bearer", what
        assert says in r.json()["error"]["message"], (what, r.text)

    no_role = await _get(url, issuer.token(promoflow_role="intern"))
    assert no_role.status_code == 403 and "no promoflow role" in no_role.json()["error"]["message"]
    line_without_line = await _get(url, issuer.token(business_line=None))
    assert line_without_line.status_code == 403

    # keys cached: one fetch of the key set for all the requests above
    assert issuer.fetches == 1
    # an unknown kid: 401 (it may force one refetch of the key set, a rotated key's way in)
    r = await _get(url, issuer.token(key=issuer.other, kid="k-unknown"))
    assert r.status_code == 401 and "not signed by a key" in r.json()["error"]["message"], r.text
    assert issuer.fetches <= 2


async def test_a_key_removed_from_the_issuers_set_stops_validating_within_the_lifespan(dev_env, pool):
    # pyjwt's per-kid key cache (cache_keys=True) never expires: a revoked key would
    # validate forever. The key set's lifespan must be the longest a removed key lives.
    async with sso_api(dev_env, pool, oidc_jwks_lifespan_s=1.0) as (issuer, url):
        token = issuer.token(promoflow_role="ops", business_line=None)
        assert (await _get(url, token)).status_code == 200
        # the issuer revokes K (kid k1) and publishes another key (kid k2)
        new_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(issuer.other.public_key()))
        issuer.jwks = {"keys": [{**new_jwk, "kid": "k2", "alg": "RS256", "use": "sig"}]}
        fetches = issuer.fetches
        last: list[httpx.Response] = []

        async def refused() -> bool:
            last[:] = [await _get(url, token)]
            return last[0].status_code == 401

        await wait_until(refused, timeout=10, what="a token of the removed key to be refused")
        assert "not signed by a key" in last[0].json()["error"]["message"], last[0].text
        assert issuer.fetches > fetches  # refused because the set was fetched again, not by chance
        # the new key validates
        rotated = issuer.token(key=issuer.other, kid="k2", promoflow_role="ops", business_line=None)
        assert (await _get(url, rotated)).status_code == 200


def _hmac_with(secret: bytes, claims: dict) -> str:
    """The key-confusion attack: HS256 with the issuer's public key as the shared secret
    (pyjwt refuses to sign with a PEM key as an HMAC secret, so sign by hand)."""
    import hashlib
    import hmac

    head = _b64({"alg": "HS256", "typ": "JWT", "kid": KID})
    payload = _b64(claims)
    sig = hmac.new(secret, f"{head}.{payload}".encode(), hashlib.sha256).digest()
    return f"{head}.{payload}.{base64.urlsafe_b64encode(sig).rstrip(b'=').decode()}"


def test_sso_needs_all_three_settings_and_asymmetric_algorithms():
    with pytest.raises(ValueError, match="PROMOFLOW_OIDC_JWKS_URL"):
        Settings(oidc_issuer=ISSUER, oidc_audience=AUDIENCE)
    assert from_settings(Settings()) is None
    with pytest.raises(ValueError, match="HS256"):
        from_settings(Settings(oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_url="http://127.0.0.1:1/j",
                               oidc_algorithms="RS256,HS256"))


def test_the_tokens_file_refuses_a_business_line_without_its_line_an_unknown_role_and_an_sso_like_name():
    with pytest.raises(ValueError, match="without a business_line"):
        TokenBook([{"token": "t1", "name": "x.line", "role": "business_line"}])
    with pytest.raises(ValueError, match="unknown role"):
        TokenBook([{"token": "t2", "name": "x.boss", "role": "boss"}])
    with pytest.raises(ValueError, match="may not hold"):  # it would read as an SSO `<issuer>|<sub>`
        TokenBook([{"token": "t5", "name": f"{ISSUER}|u-1", "role": "leader"}])
    book = TokenBook([{"token": "t3", "name": "lin.food", "role": "business_line", "business_line": "food"}])
    assert book.knows("t3") and not book.knows("t4") and book.actor("t3").business_line == "food"
