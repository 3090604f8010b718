"""`starter.py plan ...` against the served API (dev server, worker, PostgreSQL): open,
import (JSON with a per-line token, a CSV with a bad row), S, settings, solve, scenario,
show, scenarios. The CLI runs in a thread: the server shares this event loop."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

from cli.main import main
from tests.api.conftest import TOKENS

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "plan-2027"
YEAR = 2030


async def run(api, tmp_path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    tokens = tmp_path / "tokens.json"
    if not tokens.exists():
        tokens.write_text(json.dumps(TOKENS))
    code = await asyncio.to_thread(main, ["--api", api.url, "--tokens-file", str(tokens), *argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


async def test_plan_commands(api, tmp_path):
    raw = json.loads((EXAMPLE / "intents.json").read_text().replace('"2027-', f'"{YEAR}-'))
    intents = tmp_path / "intents.json"
    intents.write_text(json.dumps(raw[:30]))
    csv = tmp_path / "more.csv"
    csv.write_text("request_id,name,business_line,category,requested_tier,months,revenue_target,gross_margin,"
                   "traffic,avg_order_value,conversion_rate\n"
                   f"c-1,Autumn tea,food,food,B,{YEAR}-10;{YEAR}-11,3000000,0.3,800000,90,0.03\n"
                   f"c-2,Broken,food,food,B,{YEAR}-10,not-a-number,0.3,800000,90,0.03\n")

    code, out, err = await run(api, tmp_path, "--as", "yan.ops", "plan", "open", str(YEAR), "--intake-closes",
                               f"{YEAR - 1}-12-31")
    assert code == 0 and f"plan-{YEAR}: intake" in out, err
    code, out, err = await run(api, tmp_path, "plan", "import", str(YEAR), str(intents), "--token-per-line",
                               "--batch", "7")
    assert code == 0 and "30 created" in out, out + err
    code, out, err = await run(api, tmp_path, "--as", "lin.food", "plan", "import", str(YEAR), str(csv),
                               "--no-progress")
    assert code == 1 and "1 created" in out and "1 invalid" in out and "revenue_target" in out, out + err

    by = {r["request_id"]: r for r in raw}
    s = [f"intent-{by[x['request_id']]['business_line']}-{x['request_id']}={x['month'].replace('2027', str(YEAR))}"
         for x in json.loads((EXAMPLE / "s.json").read_text()) if x["request_id"] in {r["request_id"] for r in raw[:30]}]
    code, out, err = await run(api, tmp_path, "--as", "wei.leader", "plan", "s", str(YEAR), *s)
    assert code == 0 and "S fixed" in out, err
    code, out, err = await run(api, tmp_path, "--as", "yan.ops", "plan", "settings", str(YEAR), "--budget", "140",
                               "--reserve", "10", "--cap", f"{YEAR}-03:A=1,B=2")
    assert code == 0, err
    code, out, err = await run(api, tmp_path, "--as", "yan.ops", "plan", "settings", str(YEAR), "--reserve", "900")
    assert code == 1 and "error invalid_request" in err and "reserve" in err
    code, out, err = await run(api, tmp_path, "--as", "yan.ops", "plan", "solve", str(YEAR))
    assert code == 0 and "optimal" in out, err
    code, out, err = await run(api, tmp_path, "--as", "wei.leader", "plan", "scenario", str(YEAR), "lean",
                               "--budget", "80", "--reserve", "10")
    assert code == 0 and "scenario lean" in out, err
    code, out, err = await run(api, tmp_path, "--as", "yan.ops", "plan", "scenarios", str(YEAR))
    assert code == 0 and "lean" in out and "plan" in out, err
    code, out, err = await run(api, tmp_path, "--as", "yan.ops", "plan", "show", str(YEAR), "--solution", "--intents")
    assert code == 0 and "31 intents" in out and "intent-food-c-1" in out, err
