"""Every item of a paged list (shared/API.md "Limits": `limit` at most 500, `offset`): the
commands that show a whole list (`milestones`, `plan show --intents`) read it a page at a
time until `total` is reached, and hand on one `{"items", "total"}` as before paging."""

from __future__ import annotations

from typing import Any

from cli.client import Api

PAGE = 500  # the API's largest page


def all_items(api: Api, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    items: list[Any] = []
    while True:
        data = api.json("GET", path, params={**(params or {}), "limit": PAGE, "offset": len(items)},
                        idempotent=True)
        page = data.get("items", [])
        items.extend(page)
        total = data.get("total", len(items))
        if not page or len(items) >= total:
            return {**data, "items": items, "total": total, "limit": len(items), "offset": 0}
