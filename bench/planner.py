"""Bench of the year planner (#11): the example year, generated years of 80, 1,000 and 5,000
intents, a real intake of six lines competing for the festival months (`six-<n>`, 1,000 and
5,000, through `python -m planner solve` as a whole process: issue 28), and planner vs first
come, first served over 20 shuffled arrival orders.

    .venv/bin/python -m bench.planner [--sizes 80,1000,5000] [--orders 20] [--seed 11] [--time-limit 60]

Prints a Markdown table (for docs/BENCHMARKS.md). It is also rung 7 of the ladder
(`make bench`, `python -m bench.run --only-planner` for this rung alone): `rung_planner`
returns the figures, `lines` turns them into text; pure CPU, no server.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from domain.lines import BusinessLineContext
from domain.planning import Intent, PlanInput, Settings, SFix, parse_intents, parse_s, parse_settings, plan
from domain.planning.baseline import first_come_first_served
from domain.planning.model import effective_policy
from domain.policy import Policy
from domain.tiers import Tier

YEAR = 2027
ROOT = Path(__file__).resolve().parents[1]
CATEGORIES = ["food", "apparel", "beauty", "mother_baby", "home_appliances", "cross_border", "fmcg",
              "stationery", "accessories", "fresh"]


def example_year() -> PlanInput:
    ex = ROOT / "examples" / "plan-2027"
    return PlanInput(year=YEAR, policy=Policy.for_year(YEAR),
                     intents=parse_intents(json.loads((ex / "intents.json").read_text())),
                     s_fixed=parse_s(json.loads((ex / "s.json").read_text())))


def example_year_in_money() -> PlanInput:
    """The example year with its settings (a 300 M yuan marketing budget), objective gross_profit."""
    ex = ROOT / "examples" / "plan-2027"
    raw = {**json.loads((ex / "settings.json").read_text()), "objective": "gross_profit"}
    return example_year().model_copy(update={"settings": parse_settings(raw)})


MECHANICS = ["discount", "spend_save", "coupon", "gift", "bundle"]


def generated_year(n: int, seed: int, n_lines: int | None = None, money: bool = False) -> PlanInput:
    """n intents from many lines, each with 3 months (its own and two near it), 3 leadership S.
    With `money`: each intent also states 1-2 mechanics (S/A-sized depth 10-20 %, B 5-10 %,
    platform share 30-60 %) and paid traffic, drawn from a second stream (the same intents
    otherwise), and the year gets a marketing budget of what leadership's S cost plus 4 % of
    what every other intent would cost at its asked forecast (for 1,000 intents about half
    what the plan would spend without it: the budget binds), objective `gross_profit`."""
    rnd = random.Random(seed)
    mrnd = random.Random(seed + 1)
    n_lines = n_lines or max(6, n // 25)
    lines = {}
    for k in range(n_lines):
        target = rnd.uniform(2e8, 1.5e9)
        norm = rnd.uniform(2e7, 1.2e8)
        lines[f"line{k:03d}"] = BusinessLineContext(
            business_line=f"line{k:03d}", strategic_weight=round(rnd.uniform(0.3, 0.95), 2), annual_target=target,
            annual_progress=target * rnd.uniform(0.1, 0.7), month_revenue=norm * rnd.uniform(0.6, 1.3),
            month_revenue_norm=norm)
    intents = []
    for i in range(n):
        line = f"line{rnd.randrange(n_lines):03d}"
        first = rnd.randint(1, 12)
        near = [m for m in (first - 1, first + 1, first - 2, first + 2) if 1 <= m <= 12]
        months = [first] + rnd.sample(near, 2)
        tier = rnd.choices(["A", "B", "C", None], weights=[3, 6, 1, 1])[0]
        revenue = rnd.choice([4e5, 8e5, 1.5e6, 3e6, 6e6, 1.2e7, 3e7])
        traffic = rnd.choice([8e4, 2e5, 4e5, 8e5, 2e6, 6e6])
        body = {
            "request_id": f"gen-{i:05d}", "name": f"generated {i}", "business_line": line,
            "category": rnd.choice(CATEGORIES), "requested_tier": tier,
            "months": [f"{YEAR}-{m:02d}" for m in months], "revenue_target": revenue,
            "gross_margin": round(rnd.uniform(0.05, 0.5), 3),
            "forecast": {"traffic": int(traffic), "avg_order_value": 100.0, "conversion_rate": 0.05},
        }
        if money:
            lo, hi = (0.10, 0.20) if tier in ("A", None) else (0.05, 0.10)
            body["mechanics"] = [{"type": t, "depth": round(mrnd.uniform(lo, hi) / k, 3),
                                  "platform_share": round(mrnd.uniform(0.3, 0.6), 2)}
                                 for k in [mrnd.choice((1, 2))] for t in mrnd.sample(MECHANICS, k)]
            body["paid_traffic"] = mrnd.choice([0.0, 5e4, 2e5, 1e6])
        intents.append(Intent.model_validate(body))
    s = [SFix(request_id=intents[k].request_id, month=m)
         for k, m in enumerate(("2027-06", "2027-09", "2027-11"))]
    inp = PlanInput(year=YEAR, policy=Policy.for_year(YEAR), intents=intents, s_fixed=s, lines=lines)
    if money:
        s_ids = {x.request_id for x in s}
        budget = round(sum(it.money.cost * (1 if it.request_id in s_ids else 0.04) for it in intents), -3)
        inp = inp.model_copy(update={"settings": Settings(marketing_budget=budget, objective="gross_profit")})
    return inp


SIX_LINES = ["food", "apparel", "beauty", "mother_baby", "home_appliances", "cross_border"]
FESTIVAL_MONTHS = [6, 11, 12]  # 618, Double 11 / Black Friday, Double 12: every category's season


def six_line_year(n: int, seed: int) -> PlanInput:
    """A real intake, as hard as the offline CLI sees it: n intents from the policy's six seeded
    business lines (their seeded contexts, as `python -m planner solve` uses them), each
    asking first for a festival month (618, Double 11, Double 12: 60 %) or its category's
    season, and listing 1-3 more from the same festival and season months: every line
    competes for the same few months, and with six contexts only, many intents share a
    score up to their target and margin (few distinct values, many equal plans to rule out).
    Categories: the line's own, sometimes a neighbour's (fmcg, fresh, accessories,
    stationery); 3 leadership S (June, September, November)."""
    rnd = random.Random(seed)
    pol = Policy.for_year(YEAR)
    extra = {"food": ["fresh", "fmcg"], "apparel": ["accessories"], "beauty": ["accessories"],
             "mother_baby": ["fmcg"], "home_appliances": ["fmcg"], "cross_border": ["accessories", "fmcg"]}
    intents = []
    for i in range(n):
        line = rnd.choice(SIX_LINES)
        category = line if rnd.random() < 0.8 else rnd.choice(extra[line])
        season = [m for m in pol.category_seasons.get(category, []) if m not in FESTIVAL_MONTHS]
        pool = sorted(set(FESTIVAL_MONTHS + season))
        first = rnd.choice(FESTIVAL_MONTHS) if rnd.random() < 0.6 or not season else rnd.choice(season)
        rest = [m for m in pool if m != first]
        months = [first] + rnd.sample(rest, min(len(rest), rnd.randint(1, 3)))
        tier = rnd.choices(["A", "B", None], weights=[4, 5, 1])[0]
        body = {
            "request_id": f"six-{i:05d}", "name": f"{line} {i}", "business_line": line, "category": category,
            "requested_tier": tier, "months": [f"{YEAR}-{m:02d}" for m in months],
            "revenue_target": rnd.choice([6e5, 1.5e6, 3e6, 6e6, 1.2e7, 2.5e7, 5e7]),
            "gross_margin": rnd.choice([0.12, 0.18, 0.24, 0.3, 0.36, 0.42]),
            "forecast": {"traffic": rnd.choice([2e5, 6e5, 1.5e6, 4e6, 9e6]), "avg_order_value": 150.0,
                         "conversion_rate": 0.04},
        }
        intents.append(Intent.model_validate(body))
    s = [SFix(request_id=intents[k].request_id, month=m) for k, m in enumerate(("2027-06", "2027-09", "2027-11"))]
    return PlanInput(year=YEAR, policy=pol, intents=intents, s_fixed=s)


def write_case(inp: PlanInput, out: Path) -> None:
    """The case as the offline CLI reads it: `intents.json` and `s.json` in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "intents.json").write_text(json.dumps([it.model_dump(mode="json", exclude_none=True)
                                                  for it in inp.intents]))
    (out / "s.json").write_text(json.dumps([s.model_dump(mode="json") for s in inp.s_fixed]))


def fcfs_value(inp: PlanInput, order: list[int]) -> tuple[float, bool]:
    pol = effective_policy(inp)
    ds = first_come_first_served(inp, order)
    s_ok = all(any(d.request_id == s.request_id and d.tier == Tier.S for d in ds) for s in inp.s_fixed)
    return sum(d.score * pol.rule(d.tier).counted_days for d in ds if d.tier in (Tier.S, Tier.A, Tier.B)), s_ok


def time_plan(name: str, inp: PlanInput, time_limit: float) -> dict:
    t0 = time.perf_counter()
    sol = plan(inp, time_limit)
    wall = time.perf_counter() - t0
    s = sol.summary
    gap = abs((s.bound or 0) - (s.objective or 0)) / max(1e-9, abs(s.objective or 1))
    return {"case": name, "intents": len(inp.intents), "status": s.status, "value": s.value,
            "gap": gap, "solver_s": s.seconds, "total_s": round(wall, 3), "counted_days": s.counted_days,
            "tiers": s.tiers, "cut": s.cut, "objective": s.objective_kind,
            "gross_profit": s.value_gross_profit, "money_used": s.money_used, "money_budget": s.money_for_planned}


def time_cli(name: str, inp: PlanInput, time_limit: float) -> dict:
    """The whole offline process, as a person runs it: `python -m planner solve` on the case's
    files (written to a temporary directory), from start to its JSON on stdout."""
    with tempfile.TemporaryDirectory() as tmp:
        write_case(inp, Path(tmp))
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "planner", "solve", "--year", str(inp.year),
                               "--intents", f"{tmp}/intents.json", "--s", f"{tmp}/s.json",
                               "--time-limit", str(time_limit), "--quiet"],
                              cwd=ROOT, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"python -m planner solve exited {done.returncode}: {done.stderr[-2000:]}")
    s = json.loads(done.stdout)["summary"]
    gap = abs((s["bound"] or 0) - (s["objective"] or 0)) / max(1e-9, abs(s["objective"] or 1))
    return {"case": name, "intents": len(inp.intents), "status": s["status"], "value": s["value"], "gap": gap,
            "solver_s": s["seconds"], "total_s": round(wall, 3), "counted_days": s["counted_days"],
            "tiers": s["tiers"], "cut": s["cut"], "objective": s["objective_kind"],
            "gross_profit": s["value_gross_profit"], "money_used": s["money_used"],
            "money_budget": s["money_for_planned"], "stdout_bytes": len(done.stdout.encode())}


def orders_comparison(inp: PlanInput, n_orders: int, seed: int, planner_value: float) -> dict:
    rnd = random.Random(seed)
    s_ids = {s.request_id for s in inp.s_fixed}
    base = list(range(len(inp.intents)))
    arrival, s_first = [], []
    for _ in range(n_orders):
        order = base[:]
        rnd.shuffle(order)
        arrival.append(fcfs_value(inp, order))
        s_first.append(fcfs_value(inp, sorted(order, key=lambda i: inp.intents[i].request_id not in s_ids)))
    av = [v for v, _ in arrival]
    sv = [v for v, _ in s_first]
    return {"planner": planner_value, "arrival_best": max(av), "arrival_worst": min(av),
            "arrival_s_refused": sum(1 for _, ok in arrival if not ok),
            "s_first_best": max(sv), "s_first_worst": min(sv),
            "planner_over_arrival_best": planner_value / max(av), "planner_over_arrival_worst": planner_value / min(av),
            "planner_over_s_first_best": planner_value / max(sv), "planner_over_s_first_worst": planner_value / min(sv)}


def rung_planner(sizes: list[int], n_orders: int = 20, seed: int = 11, time_limit: float = 60.0) -> dict:
    """The planner's figures: one row per year, and planner vs first come, first served."""
    t0 = time.perf_counter()
    cases = [("example", "example year (examples/plan-2027)", example_year()),
             ("example-gp", "example year, its settings, gross_profit", example_year_in_money())]
    cases += [(str(n), f"generated, {n} intents", generated_year(n, seed)) for n in sizes]
    # the profit objective with a binding marketing budget (issue 27): proven optimal within the 1,000 limit
    cases += [(f"{n}-gp", f"generated, {n} intents, gross_profit, money budget", generated_year(n, seed, money=True))
              for n in sizes if n <= 1000]
    rows = {key: time_plan(name, inp, time_limit) for key, name, inp in cases}
    # a real intake (issue 28): six lines wanting the festival months, through the offline CLI
    # as a whole process (total s = the process: reading, solving, writing the JSON)
    for n in sizes:
        if n >= 1000:
            rows[f"six-{n}"] = time_cli(f"six lines, {n} intents, festival months, `python -m planner solve`",
                                        six_line_year(n, seed), time_limit)
    versus = {}
    for key, inp in (("example", cases[0][2]), ("80", generated_year(80, seed))):
        value = rows[key]["value"] if key in rows else plan(inp, time_limit).summary.value
        versus[key] = orders_comparison(inp, n_orders, seed, value)
    return {"rows": rows, "versus_fcfs": versus, "orders": n_orders, "seed": seed, "time_limit_s": time_limit,
            "wall_s": round(time.perf_counter() - t0, 1)}


def lines(r: dict) -> list[str]:
    out = ["| case | intents | status | gap | solver s | total s | value | gross profit M | money used M "
           "| counted days | S/A/B/C | cut |",
           "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    for x in r["rows"].values():
        t = x["tiers"]
        out.append(f"| {x['case']} | {x['intents']} | {x['status']} | {x['gap']:.4%} | {x['solver_s']:.3f} | "
                   f"{x['total_s']:.2f} | {x['value']:.3f} | {x.get('gross_profit', 0) / 1e6:,.1f} | "
                   f"{x.get('money_used', 0) / 1e6:,.1f} | {x['counted_days']} | "
                   f"{t['S']}/{t['A']}/{t['B']}/{t['C']} | {x['cut']} |")
    out.append("")
    names = {"example": "example year", "80": "generated, 80 intents"}
    for key, c in r["versus_fcfs"].items():
        out.append(f"{names.get(key, key)}: planner {c['planner']:.3f}; {r['orders']} shuffled arrival orders: "
                   f"best {c['arrival_best']:.3f}, worst {c['arrival_worst']:.3f} (S refused in "
                   f"{c['arrival_s_refused']}); planner / best {c['planner_over_arrival_best']:.3f}, / worst "
                   f"{c['planner_over_arrival_worst']:.3f}; S booked first: best {c['s_first_best']:.3f}, worst "
                   f"{c['s_first_worst']:.3f}; planner / best {c['planner_over_s_first_best']:.3f}, / worst "
                   f"{c['planner_over_s_first_worst']:.3f}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.planner")
    ap.add_argument("--sizes", default="80,1000,5000")
    ap.add_argument("--orders", type=int, default=20)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--time-limit", type=float, default=60.0)
    args = ap.parse_args()
    r = rung_planner([int(x) for x in args.sizes.split(",") if x], args.orders, args.seed, args.time_limit)
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    print("\n".join(lines(r)))


if __name__ == "__main__":
    main()
