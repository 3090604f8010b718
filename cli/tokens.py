"""The demo tokens file that `make run` writes (tokens in clear, for people and this
tool; the API reads only their SHA-256 digests): `--as NAME` and `--token-per-line`
pick their bearer tokens here."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cli.errors import CliError

ROOT = Path(__file__).resolve().parent.parent


def default_tokens_file() -> Path:
    # The demo tokens in clear (the API itself reads only their SHA-256 digests).
    if os.environ.get("PROMOFLOW_DEMO_TOKENS"):
        return Path(os.environ["PROMOFLOW_DEMO_TOKENS"])
    return Path(os.environ.get("PROMOFLOW_DATA_DIR", ROOT / ".data")) / "tokens.json"


def load_tokens(path: str | Path) -> list[dict[str, Any]]:
    p = Path(path)
    try:
        entries = json.loads(p.read_text())
    except OSError:
        raise CliError("no_tokens",
                       f"cannot read tokens file {p} (does `make run` run? or pass --tokens-file)") from None
    except json.JSONDecodeError as err:
        raise CliError("no_tokens", f"tokens file {p} is not valid JSON: {err}") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise CliError("no_tokens", f"tokens file {p} should hold a list of {{token, name, role, business_line}}")
    return entries


def token_for_name(entries: list[dict[str, Any]], name: str) -> str:
    for e in entries:
        if e.get("name") == name and e.get("token"):
            return e["token"]
    names = ", ".join(sorted(str(e.get("name")) for e in entries if e.get("token")))
    raise CliError("unknown_principal", f"no token for {name!r} in the tokens file (known: {names})")


def tokens_by_line(entries: list[dict[str, Any]]) -> dict[str, str]:
    """business_line -> token of a principal with role business_line (the first one listed)."""
    out: dict[str, str] = {}
    for e in entries:
        if e.get("role") == "business_line" and e.get("business_line") and e.get("token"):
            out.setdefault(e["business_line"], e["token"])
    return out
