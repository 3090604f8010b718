"""Who calls: bearer tokens from a tokens file, a list of {"token" | "token_sha256", "name",
"role", "business_line"}, and the role rule every route applies. Tokens are kept only as
SHA-256 digests in memory (`infra.tokens.digest`) and never logged."""

from __future__ import annotations

import json
from pathlib import Path

from api.errors import ApiError
from domain.approvals.roles import DECIDERS, READERS, ROLES
from infra.tokens import digest
from services.access import may_see, require_role
from services.errors import Code
from workflows.messages import Actor

CHALLENGE = {"WWW-Authenticate": "Bearer"}


class TokenBook:
    def __init__(self, entries: list[dict]):
        self._by_digest: dict[str, Actor] = {}
        for e in entries:
            if e["role"] not in ROLES:
                raise ValueError(f"tokens file: unknown role {e['role']!r} for {e['name']!r}")
            if "|" in e["name"]:  # `<issuer>|<sub>` is a single sign-on identity: never a tokens-file name
                raise ValueError(f"tokens file: a name may not hold '|' ({e['name']!r})")
            if e["role"] == "business_line" and not e.get("business_line"):
                raise ValueError(f"tokens file: {e['name']!r} is a business line without a business_line")
            key = e.get("token_sha256") or digest(e["token"])
            self._by_digest[key] = Actor(name=e["name"], role=e["role"], business_line=e.get("business_line"))

    def by_name(self, name: str) -> Actor | None:
        """A known principal by name (delegation targets); its `actor_id` is the name (names
        are unique in the tokens file)."""
        return next((a for a in self._by_digest.values() if a.name == name), None)

    def principals(self) -> list[Actor]:
        """Every principal of the file, in its order (the web app's demo sign-in buttons)."""
        return list(self._by_digest.values())

    def knows(self, token: str) -> bool:
        return digest(token.strip()) in self._by_digest

    @classmethod
    def load(cls, path: Path) -> TokenBook:
        return cls(json.loads(path.read_text()))

    def actor(self, token: str | None) -> Actor:
        """The principal of a bearer token; 401 when there is none or it is unknown."""
        if not token or not token.strip():
            raise ApiError(Code.UNAUTHENTICATED, "send Authorization: Bearer <token>", headers=CHALLENGE)
        actor = self._by_digest.get(digest(token.strip()))
        if actor is None:
            raise ApiError(Code.UNAUTHENTICATED, "unknown token", headers=CHALLENGE)
        return actor


__all__ = ["CHALLENGE", "DECIDERS", "READERS", "ROLES", "TokenBook", "may_see", "require_role"]
