"""Build examples/plan-2027/ from examples/year-2027.json (run from the repository root).

Each request becomes an intent with `months`: its own month first, then the neighbouring
months (one before, one after) that are in its category's season or are festival months.
The three requests asking for S are leadership's S (s.json), in their own months. The
settings hold the days budget and a marketing budget of 300 million yuan (the three S cost
about 259 million of it, so the A and B compete for the rest).
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.festivals import festival_dates
from domain.policy import Policy

YEAR = 2027
root = Path(__file__).resolve().parents[1]
policy = Policy.for_year(YEAR)
festival_months = {d.month for d in festival_dates(YEAR).values()}
requests = json.loads((root / "examples" / "year-2027.json").read_text())
intents, s = [], []
for r in requests:
    m = int(r["month"][5:7])
    season = set(policy.category_seasons.get(r["category"], [])) | festival_months
    months = [r["month"]] + [f"{YEAR}-{n:02d}" for n in (m - 1, m + 1) if 1 <= n <= 12 and n in season]
    intents.append({**r, "months": months})
    if r.get("requested_tier") == "S":
        s.append({"request_id": r["request_id"], "month": r["month"]})
out = root / "examples" / "plan-2027"
out.mkdir(exist_ok=True)
(out / "intents.json").write_text(json.dumps(intents, indent=2, ensure_ascii=False) + "\n")
(out / "s.json").write_text(json.dumps(s, indent=2) + "\n")
settings = {"budget": 150, "reserve": 12, "merge": False, "marketing_budget": 300_000_000, "objective": "score_days"}
(out / "settings.json").write_text(json.dumps(settings, indent=2) + "\n")
(out / "pins.json").write_text(json.dumps([], indent=2) + "\n")
print(f"{len(intents)} intents, {len(s)} S -> {out}")
