"""Bearer-token digests: the one hashing rule shared by the API (which checks tokens) and
`make run` (which writes the digests file the API reads). Tokens are kept only as these
SHA-256 digests at rest and in memory."""

from __future__ import annotations

import hashlib


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
