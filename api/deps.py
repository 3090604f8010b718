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
from infra.settings import Settings
from workflows.messages import Actor


@dataclass(frozen=True)
class Deps:
    """What the routes need; built by the app's lifespan, or given by tests."""

    settings: Settings
    client: Client
    pool: asyncpg.Pool
    tokens: TokenBook


def get_deps(request: Request) -> Deps:
    return request.app.state.deps


AppDeps = Annotated[Deps, Depends(get_deps)]

# auto_error=False: a missing or malformed header reaches `current_actor`, which answers
# with the API's own 401 body instead of FastAPI's.
bearer = HTTPBearer(auto_error=False, description="a token of the tokens file (PROMOFLOW_TOKENS_FILE)")


def current_actor(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
                  deps: AppDeps) -> Actor:
    return deps.tokens.actor(credentials.credentials if credentials else None)


CurrentActor = Annotated[Actor, Depends(current_actor)]
