"""Demo principals for the embedded stack: a user for each seeded business line, an
approver of one of those lines, an approver of none, a leader and an ops user. Their files
are written by stack/secret_files.py: 0600 from creation, put in place by an atomic rename."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from infra.tokens import digest
from stack.secret_files import write_private

DEMO_PRINCIPALS = [
    {"name": "lin.food", "role": "business_line", "business_line": "food"},
    {"name": "mei.apparel", "role": "business_line", "business_line": "apparel"},
    {"name": "qiang.beauty", "role": "business_line", "business_line": "beauty"},
    {"name": "ling.mother_baby", "role": "business_line", "business_line": "mother_baby"},
    {"name": "tao.home_appliances", "role": "business_line", "business_line": "home_appliances"},
    {"name": "xin.cross_border", "role": "business_line", "business_line": "cross_border"},
    {"name": "hua.approver", "role": "approver", "business_line": "food"},
    {"name": "jun.approver", "role": "approver", "business_line": None},
    {"name": "wei.leader", "role": "leader", "business_line": None},
    {"name": "yan.ops", "role": "ops", "business_line": None},
]


def ensure_tokens(path: Path, digests: Path | None = None) -> list[dict]:
    """Create the demo tokens file (0600); later runs keep its tokens and add missing
    principals. With `digests`, also write the file the API reads: the same principals
    with `token_sha256` only, so the API's tokens are hashed at rest."""
    entries = _ensure_clear(path)
    if digests is not None:
        hashed = [{"token_sha256": digest(e["token"]),
                   **{k: v for k, v in e.items() if k != "token"}} for e in entries]
        write_private(digests, json.dumps(hashed, indent=2) + "\n")
    return entries


def _ensure_clear(path: Path) -> list[dict]:
    entries = json.loads(path.read_text()) if path.exists() else []
    known = {e["name"] for e in entries}
    missing = [{"token": secrets.token_urlsafe(24), **p} for p in DEMO_PRINCIPALS if p["name"] not in known]
    if not missing:
        return entries
    entries += missing
    write_private(path, json.dumps(entries, indent=2) + "\n")
    return entries
