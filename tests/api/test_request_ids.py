"""The API tests share one Temporal dev server for the session while each test has its own
database: a campaign's workflow id comes from its line and request id, so two test files
submitting the same literal request id for the same line would meet the other's workflow
(whose worker has gone). Each literal request id belongs to one file."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
LITERAL = re.compile(r'(?:body\(|_submit\(\w+, )"([A-Za-z0-9_.:-]+)"')


def test_each_literal_request_id_is_used_by_one_file():
    files: dict[str, set[str]] = defaultdict(set)
    for path in sorted(HERE.rglob("test_*.py")):
        for rid in LITERAL.findall(path.read_text(encoding="utf-8")):
            files[rid].add(str(path.relative_to(HERE)))
    shared = {rid: sorted(fs) for rid, fs in files.items() if len(fs) > 1 and rid != "d-1"}  # d-1: refused, no workflow
    assert not shared, f"request ids used by several test files: {shared}"
