"""`python -m planner solve`: the example year end to end, and bad files (exit 2, stdout empty)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "examples" / "plan-2027"
SUMMARY_KEYS = {"status", "objective", "bound", "value", "seconds", "counted_days", "tiers", "placed", "moved",
                "downgraded", "cut"}
DECISION_KEYS = {"intent_id", "request_id", "business_line", "score", "decision", "tier", "month", "burst_start",
                 "phases", "reason"}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planner", *args], check=False, cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_solve_the_example_year():
    p = run("solve", "--year", "2027", "--intents", str(EX / "intents.json"), "--s", str(EX / "s.json"),
            "--settings", str(EX / "settings.json"), "--pins", str(EX / "pins.json"), "--time-limit", "20")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert set(out) == {"summary", "decisions"}
    assert SUMMARY_KEYS <= set(out["summary"]) and out["summary"]["status"] == "optimal"
    assert set(out["summary"]["tiers"]) == {"S", "A", "B", "C"}
    assert len(out["decisions"]) == 39 and all(DECISION_KEYS <= set(d) for d in out["decisions"])
    assert "bound" in p.stderr and "gap" in p.stderr  # progress on stderr
    value = sum(d["score"] * {"S": 21, "A": 7, "B": 1}.get(d["tier"] or "C", 0) for d in out["decisions"])
    assert abs(value - out["summary"]["value"]) < 1e-6


def test_bad_file_exit_2_naming_item_and_field(tmp_path):
    intents = json.loads((EX / "intents.json").read_text())
    intents[4]["revenue_target"] = -1
    bad = tmp_path / "intents.json"
    bad.write_text(json.dumps(intents))
    p = run("solve", "--year", "2027", "--intents", str(bad))
    assert p.returncode == 2 and p.stdout == ""
    assert "intents[4] (y2027-005), field revenue_target" in p.stderr


def test_unknown_line_missing_file_and_bad_json_exit_2(tmp_path):
    intents = json.loads((EX / "intents.json").read_text())
    intents[0]["business_line"] = "toys"
    f = tmp_path / "i.json"
    f.write_text(json.dumps(intents))
    p = run("solve", "--year", "2027", "--intents", str(f))
    assert p.returncode == 2 and p.stdout == "" and "business_line" in p.stderr and "toys" in p.stderr
    p = run("solve", "--year", "2027", "--intents", str(tmp_path / "none.json"))
    assert p.returncode == 2 and p.stdout == "" and "not found" in p.stderr
    f.write_text("[{")
    p = run("solve", "--year", "2027", "--intents", str(f))
    assert p.returncode == 2 and p.stdout == "" and "not JSON" in p.stderr
    pins = tmp_path / "pins.json"
    pins.write_text(json.dumps([{"request_id": "y2027-001", "month": "2027-07"}]))
    p = run("solve", "--year", "2027", "--intents", str(EX / "intents.json"), "--pins", str(pins))
    assert p.returncode == 2 and p.stdout == "" and "pins[0] (y2027-001), field month" in p.stderr


def test_infeasible_pins_exit_1_with_the_conflicts(tmp_path):
    pins = tmp_path / "pins.json"
    pins.write_text(json.dumps([{"request_id": "y2027-026", "month": "2027-09"}]))
    p = run("solve", "--year", "2027", "--intents", str(EX / "intents.json"), "--s", str(EX / "s.json"),
            "--pins", str(pins), "--quiet")
    assert p.returncode == 1
    out = json.loads(p.stdout)
    assert out["summary"]["status"] == "infeasible" and out["summary"]["conflicts"]
