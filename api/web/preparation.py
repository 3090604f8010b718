"""`/app/milestones` and `/app/teams` (approver, leader, ops): preparation and people in the
browser (shared/API.md "Preparation, people and exports").

- `/app/milestones`: the open and overdue milestones across campaigns, soonest first, with
  filters (team, status) and paging: `GET /milestones`'s own function
  (api/routes/preparation.py `pending_milestones`). `Mark done` (ops; the owner marks theirs
  on the campaign's page) is `POST /campaigns/{id}/milestones/{key}/done`'s function
  (`mark_done`): the workflow's update, the signed-in person as actor.
- `/app/teams`: each team's load per ISO week of a year (`GET /teams/load`'s function
  `team_load`) as a heat strip, one row per team of the policy, shaded as the calendar
  page's strip (api/calendar_view.py `LoadCell`: idle, four levels, full, over capacity).
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from api.auth import READERS, require_role
from api.calendar_view import LoadCell, TeamStrip
from api.paging import PageQuery
from api.routes.preparation import DoneBody, mark_done, pending_milestones, team_load
from api.web.forms import FormContext, FormInvalid, form_post
from api.web.render import NAV, NavItem, render
from api.web.render import _this_year as this_year
from api.web.session import WebActor
from domain.approvals.preparation import weeks_of_year
from store import reference

router = APIRouter(include_in_schema=False)
NAV.append(NavItem("Milestones", "/app/milestones", READERS))
NAV.append(NavItem("Teams", "/app/teams", READERS))
PAGE = 50
MARKERS = ("ops",)  # who marks a milestone done from this page (owners do it on their campaign's page)


@router.get("/app/milestones", response_class=HTMLResponse)
async def milestones_page(request: Request, actor: WebActor,
                          team: Annotated[str | None, Query(max_length=100, pattern=r"^[a-z0-9_]*$")] = None,
                          status: Annotated[Literal["open", "overdue", ""] | None, Query()] = None,
                          offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
                          done: Annotated[str | None, Query(max_length=400)] = None) -> HTMLResponse:
    require_role(actor, *READERS)
    d = request.app.state.deps
    answer = await pending_milestones(actor, d, PageQuery(limit=PAGE, offset=offset), team or None, status or None,
                                      None)
    policy = await reference.policy_for(d.pool, int(this_year()))
    filters = {k: v for k, v in (("team", team), ("status", status)) if v}

    def page_url(at: int) -> str:
        return "/app/milestones?" + urlencode({**filters, "offset": at})

    return render(request, "app/milestones.html", title="Milestones", items=answer.items, total=answer.total,
                  offset=offset, limit=PAGE, filters=filters, teams=[(t.key, t.name) for t in policy.teams],
                  may_mark=actor.role in MARKERS, done=done,
                  prev_url=page_url(max(0, offset - PAGE)) if offset > 0 else None,
                  next_url=page_url(offset + PAGE) if offset + PAGE < answer.total else None)


@form_post(router, "/app/milestones/done", roles=MARKERS)
async def milestone_done(form: FormContext) -> Response:
    cid, key = form.value("campaign_id"), form.value("key")
    if not cid or not key:
        raise FormInvalid({"campaign_id": "Which milestone?"})
    await mark_done(cid, key, form.actor, form.d, DoneBody(comment=form.value("comment")[:1000] or None))
    back = {k: form.value(k) for k in ("team", "status") if form.value(k)}
    return RedirectResponse("/app/milestones?" + urlencode({**back, "done": f"{cid}/{key}"}), status_code=303)


@router.get("/app/teams", response_class=HTMLResponse)
async def teams_page(request: Request, actor: WebActor,
                     year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> HTMLResponse:
    require_role(actor, *READERS)
    d = request.app.state.deps
    year = year or int(this_year())
    loads = (await team_load(actor, d, year)).items
    policy = await reference.policy_for(d.pool, year)
    weeks = weeks_of_year(year)
    by_key = {(r.team, r.week): r for r in loads}
    strips = []
    for t in policy.teams:
        cells = []
        for w in weeks:
            r = by_key.get((t.key, w))
            cells.append(LoadCell(t.key, t.name, w, r.demand if r else 0, r.capacity if r else t.capacity,
                                  tuple(r.campaigns) if r else ()))
        strips.append(TeamStrip(t.key, t.name, t.capacity, tuple(cells)))
    return render(request, "app/teams.html", title=f"Team load {year}", year=year, weeks=weeks, strips=strips,
                  busy=[c for s in strips for c in s.cells if c.demand])
