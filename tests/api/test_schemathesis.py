"""Property-based API testing: schemathesis against /openapi.json finds no 5xx and no
response that breaks the schema, for every role."""

from __future__ import annotations

import asyncio

import pytest

from stack.embedded import BIN

pytestmark = pytest.mark.slow
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"


@pytest.mark.parametrize("principal", ["lin.food", "jun.approver", "yan.ops"])
async def test_schemathesis_finds_no_server_error_and_no_schema_break(api, principal, tmp_path):
    proc = await asyncio.create_subprocess_exec(
        str(BIN / "schemathesis"), "run", f"{api.url}/openapi.json",
        "--header", f"Authorization: Bearer {principal}", "--checks", CHECKS,
        "--max-examples", "10", "--seed", "1", "--workers", "1", "--request-timeout", "30",
        "--phases", "examples,coverage,fuzzing", "--generation-database", "none",
        # /healthz takes no input and answers 503 by design when a dependency is slow (a 2 s
        # check): on the suite's loaded shared dev server that happened once; test_stack checks it
        "--exclude-path", "/healthz",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=tmp_path)
    out, _ = await asyncio.wait_for(proc.communicate(), 300)
    text = out.decode()
    assert proc.returncode == 0, text[-6000:]
