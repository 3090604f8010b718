"""What routes depend on, as `Annotated` aliases: the process's resources (`AppDeps`) and
the authenticated caller (`CurrentActor`, from an HTTP bearer token, which also declares
the bearer security scheme in the OpenAPI document)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from temporalio.client import Client

from api.auth import TokenBook
from api.oidc import OidcVerifier, looks_like_jwt
from infra.settings import Settings
from workflows.messages import Actor


@dataclass(frozen=True)
class Deps:
    """What the routes need; built by the app's lifespan, or given by tests."""

    settings: Settings
    client: Client
    pool: asyncpg.Pool
    tokens: TokenBook
    oidc: OidcVerifier | None = None  # single sign-on, when configured


def get_deps(request: Request) -> Deps:
    return request.app.state.deps


AppDeps = Annotated[Deps, Depends(get_deps)]

# auto_error=False: a missing or malformed header reaches `current_actor`, which answers
# with the API's own 401 body instead of FastAPI's.
bearer = HTTPBearer(auto_error=False, description="a token of the tokens file (PROMOFLOW_TOKENS_FILE), or an "
                                                   "OIDC JWT of the configured issuer (PROMOFLOW_OIDC_*)")


def current_actor(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
                  deps: AppDeps) -> Actor:
    # A plain (sync) dependency: FastAPI runs it in its thread pool, so a JWKS fetch by
    # pyjwt's blocking client never stalls the event loop.
    token = credentials.credentials.strip() if credentials else None
    if token and deps.oidc is not None and looks_like_jwt(token) and not deps.tokens.knows(token):
        return deps.oidc.actor(token)
    return deps.tokens.actor(token)


CurrentActor = Annotated[Actor, Depends(current_actor)]
