"""What a business line sees of the year's plan (shared/API.md "The planning season": "a
business line sees its own"): its own intents and decisions, and the plan's aggregate
numbers; never another line's intent ids, request ids or names.

The season's view (`GET /plans/{year}`) names intents in leadership's S, the pins, the
solution summary's merge suggestions and conflicts, and the publish problems; the
solution's reasons name the intents a decision lost to (`domain/planning/reasons.py`:
`<request_id> "<name>" (score ...)`, `lost to <request_id>`; the conflicts of
`domain/planning/solver.py`: `leadership's S <request_id> in ...`, `pin <request_id>: ...`,
`S <request_id> closes ...`). For a business line those of other lines are dropped (lists)
or said as "another line's intent" (text); counts stay as they are.

Intent ids are `intent-<line>-<request_id>` and campaign ids `campaign-<line>-<request_id>`;
a line name holds no `-` (domain/campaign.py), so the prefix tells the line.
"""

from __future__ import annotations

import re
from typing import Any

from domain.approvals.roles import Role
from domain.campaign import campaign_id_for
from domain.planning.season import intent_id_for
from workflows.messages import Actor
from workflows.plan_messages import PlanView

OTHER = "another line's intent"
_RID = r"[A-Za-z0-9._:-]+"  # a request id (domain/campaign.py)
_CONFLICT = re.compile(rf"(?P<pre>leadership's S |pin |^S )(?P<rid>{_RID})(?P<post> in \d{{4}}-\d{{2}}|: | closes )")
_LOST = re.compile(rf"(?P<pre>lost to )(?P<rid>{_RID})")
_WHO = re.compile(rf"(?P<rid>{_RID}) \"")


class LineFilter:
    """Redacts plan data for one business line; `intents` are the season's rows
    (`store.plans.intents`: request_id, business_line, intent)."""

    def __init__(self, line: str, intents: list[dict[str, Any]]) -> None:
        self.line = line
        self.own_rids = {r["request_id"] for r in intents if r["business_line"] == line}
        self.others: dict[str, set[str]] = {}
        own_pairs = {(r["request_id"], r["intent"].get("name")) for r in intents if r["business_line"] == line}
        for r in intents:
            pair = (r["request_id"], r["intent"].get("name"))
            if r["business_line"] != line and pair not in own_pairs:
                self.others.setdefault(r["request_id"], set()).add(str(pair[1]))

    def own_intent(self, intent_id: str) -> bool:
        return intent_id.startswith(intent_id_for(self.line, ""))

    def own_campaign(self, campaign_id: str) -> bool:
        return campaign_id.startswith(campaign_id_for(self.line, ""))

    def text(self, s: str) -> str:
        """`s` with other lines' intents said as OTHER."""
        out, at = [], 0
        for m in _WHO.finditer(s):
            names = self.others.get(m["rid"], ())
            name = next((n for n in names if s.startswith(f'{n}"', m.end())), None)
            if name is None or m.start() < at:
                continue
            out.append(s[at:m.start()] + OTHER)
            at = m.end() + len(name) + 1
        s = "".join(out) + s[at:]
        return _LOST.sub(self._rule, s)

    def conflict(self, s: str) -> str:
        """A conflicting rule of an infeasible plan, other lines' intents said as OTHER."""
        return _CONFLICT.sub(self._rule, s)

    def _rule(self, m: re.Match[str]) -> str:
        if m["rid"] in self.own_rids:
            return m.group(0)
        return m["pre"] + OTHER + (m.groupdict().get("post") or "")

    def summary(self, summary: dict[str, Any]) -> dict[str, Any]:
        out = dict(summary)
        out["merge_suggestions"] = [x for x in summary.get("merge_suggestions") or []
                                    if x.get("business_line") == self.line]
        out["conflicts"] = [self.conflict(c) for c in summary.get("conflicts") or []]
        return out

    def decisions(self, decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**x, "reason": self.text(x["reason"]) if isinstance(x.get("reason"), str) else x.get("reason")}
                for x in decisions if x["business_line"] == self.line]

    def view(self, v: PlanView) -> PlanView:
        update: dict[str, Any] = {
            "s_fixed": [c for c in v.s_fixed if self.own_intent(c.intent_id)],
            "pins": [p for p in v.pins if self.own_intent(p.intent_id)],
        }
        if v.solution is not None:
            update["solution"] = v.solution.model_copy(update=self.summary(
                {"merge_suggestions": v.solution.merge_suggestions, "conflicts": v.solution.conflicts}))
        if v.publish is not None:
            update["publish"] = v.publish.model_copy(update={
                "problems": [p for p in v.publish.problems if self.own_campaign(p.split(":", 1)[0])]})
        return v.model_copy(update=update)


def for_line(actor: Actor) -> str | None:
    """The line whose view `actor` gets, or None for the roles that see the whole plan."""
    return actor.business_line if actor.role == Role.BUSINESS_LINE else None
