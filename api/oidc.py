"""Single sign-on: the company's OIDC bearer JWTs as principals, beside the tokens file.

Configured by `PROMOFLOW_OIDC_ISSUER`, `PROMOFLOW_OIDC_AUDIENCE` and
`PROMOFLOW_OIDC_JWKS_URL` (all three, or none: `infra.settings`). A token is accepted only
when its signature checks against a key of the issuer's JWKS (fetched by pyjwt's
`PyJWKClient`, the key set cached for `lifespan` seconds and no key cached longer, so a
key the issuer removed stops validating within that lifespan; an unknown `kid` refetched at
most once per cooldown), with one of the asymmetric algorithms we allow (never `none`,
never an HMAC one: the key-confusion attack signs with the public key as a secret), and
with `exp`, `iss` and `aud` present and right. Everything else is a 401 saying what was
wrong, never which key we hold. The role, business line and name come from configurable
claims; a valid identity without a promoflow role is a 403 (it authenticated, it may not
act), not a 401. The principal is `<issuer>|<sub>` (`Actor.actor_id`): the name claim is
only what people read.
"""

from __future__ import annotations

import logging
from typing import Any

import jwt

from api.auth import CHALLENGE, ROLES
from api.errors import ApiError
from infra.settings import Settings
from services.errors import Code, Refused
from workflows.messages import Actor

log = logging.getLogger("promoflow.api")


def looks_like_jwt(token: str) -> bool:
    """Three dot-separated parts: what a compact JWS looks like (demo tokens have no dots)."""
    return token.count(".") == 2


class OidcVerifier:
    def __init__(self, *, issuer: str, audience: str, jwks_url: str, algorithms: list[str],
                 role_claim: str, line_claim: str, name_claim: str, leeway_s: float = 30.0,
                 jwks_lifespan_s: float = 300.0, jwks_timeout_s: float = 5.0) -> None:
        unsafe = [a for a in algorithms if a.lower() == "none" or a.upper().startswith("HS")]
        if unsafe:
            raise ValueError(f"OIDC algorithms must be asymmetric, not {', '.join(unsafe)}")
        self.issuer, self.audience, self.algorithms = issuer, audience, list(algorithms)
        self.role_claim, self.line_claim, self.name_claim = role_claim, line_claim, name_claim
        self.leeway_s = leeway_s
        # The key set's cache only (`cache_jwk_set`, already parsed keys): pyjwt's per-kid
        # cache (`cache_keys`) is an LRU without expiry, so a key the issuer removed would
        # validate forever; with the set's cache alone it stops within `lifespan`.
        self._jwks = jwt.PyJWKClient(jwks_url, cache_jwk_set=True, lifespan=jwks_lifespan_s,
                                     cache_keys=False, timeout=jwks_timeout_s)

    def claims(self, token: str) -> dict[str, Any]:
        """The token's verified claims; 401 naming the problem otherwise (503 when the
        issuer's key set cannot be fetched: not the caller's fault)."""
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError as err:
            log.warning("oidc: JWKS unreachable", extra={"error": str(err)})
            raise Refused(Code.UNAVAILABLE, "the sign-on key set cannot be fetched; try again") from err
        except (jwt.PyJWKClientError, jwt.PyJWKError, jwt.DecodeError) as err:
            raise _unauthenticated("the token is not signed by a key of the configured issuer") from err
        try:
            return jwt.decode(token, key.key, algorithms=self.algorithms, audience=self.audience,
                              issuer=self.issuer, leeway=self.leeway_s,
                              options={"require": ["exp", "iss", "aud"]})
        except jwt.ExpiredSignatureError as err:
            raise _unauthenticated("the token has expired: sign in again") from err
        except jwt.InvalidAudienceError as err:
            raise _unauthenticated(f"the token is not for this audience (want {self.audience!r})") from err
        except jwt.InvalidIssuerError as err:
            raise _unauthenticated(f"the token is not from the configured issuer {self.issuer!r}") from err
        except jwt.InvalidAlgorithmError as err:
            raise _unauthenticated(f"the token's algorithm is not allowed (allowed: "
                                   f"{', '.join(self.algorithms)})") from err
        except jwt.MissingRequiredClaimError as err:
            raise _unauthenticated(f"the token lacks the claim {err.claim!r}") from err
        except jwt.InvalidSignatureError as err:
            raise _unauthenticated("the token's signature does not verify") from err
        except jwt.InvalidTokenError as err:
            raise _unauthenticated(f"invalid token: {err}") from err

    def actor(self, token: str) -> Actor:
        """The principal: `actor_id` = `<issuer>|<sub>` (who it is, stable), `name` the name
        claim (what people read; it may change, and two people may share one)."""
        return self.actor_of(self.claims(token))

    def actor_of(self, c: dict[str, Any]) -> Actor:
        """The principal of verified claims (a bearer JWT's, or a sign-in's ID token's)."""
        sub = c.get("sub")
        if not isinstance(sub, str) or not sub:
            raise _unauthenticated("the token names nobody (no 'sub' claim)")
        name = c.get(self.name_claim) or sub
        if not isinstance(name, str):
            raise _unauthenticated(f"the token's {self.name_claim!r} claim is not a string")
        role = _role(c.get(self.role_claim))
        if role is None:
            raise Refused(Code.FORBIDDEN, f"{name} has no promoflow role: the claim {self.role_claim!r} must be "
                                             f"one of {', '.join(ROLES)}")
        line = c.get(self.line_claim)
        if role == "business_line" and (not isinstance(line, str) or not line):
            raise Refused(Code.FORBIDDEN, f"{name} is a business line without the claim {self.line_claim!r}")
        return Actor(name=name, role=role, business_line=line if isinstance(line, str) and line else None,
                     actor_id=f"{self.issuer}|{sub}")


def from_settings(settings: Settings) -> OidcVerifier | None:
    """The verifier the settings configure, or None (tokens file only)."""
    if not settings.oidc_enabled:
        return None
    assert settings.oidc_issuer and settings.oidc_audience and settings.oidc_jwks_url
    return OidcVerifier(issuer=settings.oidc_issuer, audience=settings.oidc_audience,
                        jwks_url=settings.oidc_jwks_url,
                        algorithms=[a.strip() for a in settings.oidc_algorithms.split(",") if a.strip()],
                        role_claim=settings.oidc_role_claim, line_claim=settings.oidc_line_claim,
                        name_claim=settings.oidc_name_claim, leeway_s=settings.oidc_leeway_s,
                        jwks_lifespan_s=settings.oidc_jwks_lifespan_s)


def _role(value: Any) -> str | None:
    """A role claim: one of ours as a string, or a list holding exactly one of ours."""
    if isinstance(value, str):
        return value if value in ROLES else None
    if isinstance(value, list):
        ours = {v for v in value if isinstance(v, str) and v in ROLES}
        return ours.pop() if len(ours) == 1 else None
    return None


def _unauthenticated(message: str) -> ApiError:
    return ApiError(Code.UNAUTHENTICATED, message, headers=CHALLENGE)
