"""Bearer tokens from a tokens file: a list of {"token" | "token_sha256", "name", "role",
"business_line"}. Tokens are kept only as SHA-256 digests in memory and never logged."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from fastapi import Request

from api.errors import ApiError
from workflows.messages import Actor

ROLES = ("business_line", "approver", "leader", "ops")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenBook:
    def __init__(self, entries: list[dict]):
        self._by_digest: dict[str, Actor] = {}
        for e in entries:
            if e["role"] not in ROLES:
                raise ValueError(f"tokens file: unknown role {e['role']!r} for {e['name']!r}")
            key = e.get("token_sha256") or digest(e["token"])
            self._by_digest[key] = Actor(name=e["name"], role=e["role"], business_line=e.get("business_line"))

    @classmethod
    def load(cls, path: Path) -> "TokenBook":
        return cls(json.loads(path.read_text()))

    def principal(self, request: Request) -> Actor:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "unauthenticated", "send Authorization: Bearer <token>")
        actor = self._by_digest.get(digest(token.strip()))
        if actor is None:
            raise ApiError(401, "unauthenticated", "unknown token")
        return actor


def require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise ApiError(403, "forbidden", f"{actor.name} ({actor.role}) may not do this: it needs the role "
                                         f"{' or '.join(roles)}")
