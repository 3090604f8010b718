"""A business line reads the company's calendar (the playbook: learn the company's calendar
first, ride it, then plan your own): S and A in full, its own campaigns in full, other
lines' B and C only as busy days with their tier (no name, line, category or figures)."""

from __future__ import annotations

from datetime import UTC, datetime

# (campaign_id, line, tier, month, burst start, end)
ROWS = [
    ("campaign-apparel-s1", "apparel", "S", "2027-06", "2027-06-14", "2027-06-19"),
    ("campaign-home-a1", "home", "A", "2027-03", "2027-03-09", "2027-03-12"),
    ("campaign-food-b1", "food", "B", "2027-03", "2027-03-16", "2027-03-17"),
    ("campaign-apparel-b2", "apparel", "B", "2027-03", "2027-03-23", "2027-03-24"),
    ("campaign-home-c3", "home", "C", "2027-03", "2027-03-02", "2027-03-03"),
]


async def _seed(pool) -> None:
    now = datetime.now(UTC)
    for cid, line, tier, month, start, end in ROWS:
        phases = [{"phase": "burst", "start": start, "end": end}]
        await pool.execute(
            "INSERT INTO campaigns (campaign_id, request_id, name, business_line, category, owner, tier, status, "
            "month, hot_topic, submitted_at, updated_at, last_seq) "
            "VALUES ($1, $1, $2, $3, $3, 'x', $4, 'scheduled', $5, false, $6, $6, 1)",
            cid, f"Secret plan {cid}", line, tier, month, now)
        await pool.execute(
            "INSERT INTO calendar_entries (campaign_id, year, month, tier, category, counted_days, hot_topic, phases) "
            "VALUES ($1, 2027, $2, $3, $4, 1, false, $5)", cid, month, tier, line, phases)


async def test_a_line_reads_the_company_year_with_other_lines_b_and_c_as_busy_days(api):
    await _seed(api.pool)
    async with api.as_("lin.food") as food:
        r = await food.get("/calendar/2027")
        assert r.status_code == 200, r.text
        entries = [e for m in r.json()["months"] for e in m["campaigns"]]
        page = await food.get("/calendar/2027.html")
    by_id = {e["campaign_id"]: e for e in entries}
    # S and A of other lines and the line's own B: in full
    for cid in ("campaign-apparel-s1", "campaign-home-a1", "campaign-food-b1"):
        assert by_id[cid]["name"] == f"Secret plan {cid}" and by_id[cid]["business_line"], by_id[cid]
    # other lines' B and C: busy days with their tier, nothing else
    assert "campaign-apparel-b2" not in by_id and "campaign-home-c3" not in by_id
    busy = [e for e in entries if e["campaign_id"].startswith("busy-")]
    assert sorted(e["tier"] for e in busy) == ["B", "C"]
    assert {(p["start"], p["end"]) for e in busy for p in e["phases"]} == {
        ("2027-03-23", "2027-03-24"), ("2027-03-02", "2027-03-03")}
    for e in busy:
        assert e["name"] is None and e["business_line"] is None and e["category"] == "" and e["status"] is None
    assert "apparel-b2" not in r.text and "home-c3" not in r.text
    # the page: the same view (200, no other line's B or C named)
    assert page.status_code == 200
    assert "Secret plan campaign-apparel-b2" not in page.text and "campaign-home-c3" not in page.text
    assert "Secret plan campaign-home-a1" in page.text and "another line&#x27;s B" in page.text


async def test_ops_still_sees_every_campaign_in_full(api):
    await _seed(api.pool)
    async with api.as_("yan.ops") as ops:
        entries = [e for m in (await ops.get("/calendar/2027")).json()["months"] for e in m["campaigns"]]
    assert {e["campaign_id"] for e in entries} == {r[0] for r in ROWS}
