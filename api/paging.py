"""Paging shared by every list route (shared/API.md "Limits"): `limit` (default 100, at most
500: above is 422) and `offset` as one `Annotated` dependency, `Page`, and the fields a paged
answer adds beside its `items`: `total` (everything that matches, not the page), `limit`,
`offset`. Routes that keep an array shape (`GET /bookings`, `GET /campaigns/{id}/events`)
take the same `Page` and answer the slice.

    async def route(page: Page) -> Things:
        rows, total = await store.things(pool, limit=page.limit, offset=page.offset)
        return Things(items=rows, **page.of(total))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000  # far past any list; keeps the SQL OFFSET a valid bigint
T = TypeVar("T")


@dataclass(frozen=True)
class PageQuery:
    limit: int
    offset: int

    def of(self, total: int) -> dict[str, int]:
        """The paged answer's fields beside `items`."""
        return {"total": total, "limit": self.limit, "offset": self.offset}

    def slice(self, items: list[T]) -> list[T]:
        return items[self.offset:self.offset + self.limit]


def _page(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"items per page (at most {MAX_LIMIT})")]
    = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="items skipped")] = 0,
) -> PageQuery:
    return PageQuery(limit=limit, offset=offset)


Page = Annotated[PageQuery, Depends(_page)]


class Paged(BaseModel):
    """The fields of a paged list beside its `items`."""

    total: int = Field(description="every item that matches, not only this page")
    limit: int
    offset: int
