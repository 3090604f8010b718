"""The year's plan as files people open elsewhere: iCalendar (RFC 5545, via the icalendar
library) for their own calendars, CSV and .xlsx (openpyxl) for spreadsheets.

Pure builders over rows the routes read (api/routes/exports.py), so tests can parse what
they produce. UIDs are derived from the campaign and the phase or milestone key only, so
a re-import updates the same events instead of duplicating them; DTSTAMP is the campaign's
last change, so an unchanged plan exports byte for byte the same.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event
from openpyxl import Workbook

from domain.campaign import Phase
from domain.policy import Policy
from domain.tiers import Tier

UID_DOMAIN = "promoflow"
PHASE_LABEL = {"warmup": "warm-up", "burst": "burst", "encore": "encore"}
# The columns of GET /campaigns.csv and .xlsx, in order (the campaign list's fields).
COLUMNS = ("campaign_id", "request_id", "name", "business_line", "category", "owner", "requested_tier",
           "proposed_tier", "tier", "status", "month", "hot_topic", "score", "submitted_at", "updated_at")


def _stamp(row: dict[str, Any]) -> datetime:
    at = row.get("updated_at")
    return at.astimezone(UTC) if isinstance(at, datetime) else datetime(2000, 1, 1, tzinfo=UTC)


def ics(year: int, policy: Policy, entries: Iterable[dict[str, Any]], milestones: Iterable[dict[str, Any]],
        team: str | None = None, business_line: str | None = None) -> bytes:
    """Each campaign's phases and milestones as all-day events. With `team`: its milestones
    and the phases in which the team is needed. `business_line` only names the calendar:
    the route has already kept that line's rows."""
    cal = Calendar()
    cal.add("prodid", f"-//{UID_DOMAIN}//promotion calendar {year}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    scope = ", ".join(x for x in (business_line, team) if x)
    cal.add("x-wr-calname", f"promoflow {year}" + (f" ({scope})" if scope else ""))
    for row in entries:
        tier = Tier(row["tier"])
        needed = {n.phase.value for n in policy.team_needs.get(tier, []) if n.team == team and n.people_days > 0}
        for phase in (Phase.model_validate(p) for p in row["phases"]):
            if team is not None and phase.phase.value not in needed:
                continue
            ev = Event()
            ev.add("uid", f"{row['campaign_id']}.{phase.phase.value}@{UID_DOMAIN}")
            ev.add("dtstamp", _stamp(row))
            ev.add("dtstart", phase.start)
            ev.add("dtend", max(phase.end, phase.start + timedelta(days=1)))  # end-exclusive, like ours
            ev.add("summary", f"[{tier.value}] {row['name']}: {PHASE_LABEL[phase.phase.value]}")
            ev.add("description", f"campaign {row['campaign_id']} of {row['business_line']}, "
                                  f"{tier.value} tier, {row['category']}, status {row['status']}")
            ev.add("categories", [f"tier-{tier.value}", row["business_line"], phase.phase.value])
            ev.add("transp", "TRANSPARENT")
            cal.add_component(ev)
    for m in milestones:
        ev = Event()
        ev.add("uid", f"{m['campaign_id']}.milestone.{m['key']}@{UID_DOMAIN}")
        ev.add("dtstamp", _stamp(m))
        ev.add("dtstart", m["due"])
        ev.add("dtend", m["due"] + timedelta(days=1))
        ev.add("summary", f"{m['campaign_name']}: {m['name']} ({m['team']})")
        ev.add("description", f"milestone {m['key']} of campaign {m['campaign_id']}, team {m['team']}, "
                              f"status {m['status']}" + (f", done by {m['done_by']}" if m.get("done_by") else ""))
        ev.add("categories", ["milestone", m["team"]])
        ev.add("status", "CANCELLED" if m["status"] == "closed" else "CONFIRMED")
        cal.add_component(ev)
    return cal.to_ical()


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return ""
    return value.value if hasattr(value, "value") else value


# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, made text by a leading `'`."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def campaigns_csv(rows: Iterable[dict[str, Any]]) -> str:
    """UTF-8 text with a header row; fields quoted where needed (RFC 4180: commas, quotes, newlines);
    free text that a spreadsheet would take for a formula is prefixed with `'`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_text(_cell(row.get(c))) for c in COLUMNS])
    return out.getvalue()


def campaigns_xlsx(rows: Iterable[dict[str, Any]], title: str = "campaigns") -> bytes:
    """One sheet, a header row, one row per campaign. Text stays text: a name starting with
    '=' is never turned into a formula."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(COLUMNS))
    for r, row in enumerate(rows, start=2):
        for c, column in enumerate(COLUMNS, start=1):
            value = _cell(row.get(column))
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would read "=..." as a formula
    sheet.freeze_panes = "A2"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
