"""Demo principals for the embedded stack: two business lines, an approver of one of
them, an approver of none, a leader and an ops user."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

DEMO_PRINCIPALS = [
    {"name": "lin.food", "role": "business_line", "business_line": "food"},
    {"name": "mei.apparel", "role": "business_line", "business_line": "apparel"},
    {"name": "qiang.beauty", "role": "business_line", "business_line": "beauty"},
    {"name": "hua.approver", "role": "approver", "business_line": "food"},
    {"name": "jun.approver", "role": "approver", "business_line": None},
    {"name": "wei.leader", "role": "leader", "business_line": None},
    {"name": "yan.ops", "role": "ops", "business_line": None},
]


def ensure_tokens(path: Path) -> list[dict]:
    """Create the tokens file once (0600); later runs keep the same tokens."""
    if path.exists():
        return json.loads(path.read_text())
    entries = [{"token": secrets.token_urlsafe(24), **p} for p in DEMO_PRINCIPALS]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries, indent=2) + "\n")
    path.chmod(0o600)
    return entries
