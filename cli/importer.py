"""Bulk import: every parsed row POSTed through a bounded thread pool, one row's failure
reported without stopping the others, and the summary the `import` command prints."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import TextIO

from cli.client import Api, api_error
from cli.errors import CliError
from cli.parsing import Row
from cli.render import Progress, table

CREATED, EXISTED, FAILED = "created", "already existed", "failed"


@dataclass
class ImportResult:
    row: Row
    result: str
    campaign_id: str | None = None
    status: str | None = None
    message: str | None = None


@dataclass
class ImportSummary:
    results: list[ImportResult] = field(default_factory=list)

    def count(self, result: str) -> int:
        return sum(1 for r in self.results if r.result == result)

    @property
    def created(self) -> int:
        return self.count(CREATED)

    @property
    def existed(self) -> int:
        return self.count(EXISTED)

    @property
    def failed(self) -> int:
        return self.count(FAILED)


def import_rows(api: Api, rows: list[Row], *, token_for: Callable[[Row], str | None],
                concurrency: int = 4, progress: Progress | None = None) -> ImportSummary:
    """POST every parsed row (bounded pool); a bad row is reported and the rest go on."""

    def one(row: Row) -> ImportResult:
        try:
            if row.error is not None:
                return ImportResult(row, FAILED, message=row.error)
            assert row.body is not None
            token = token_for(row)
            response = api.submit(row.body, token=token)
            if response.status_code in (200, 201):
                data = response.json()
                return ImportResult(row, CREATED if response.status_code == 201 else EXISTED,
                                    campaign_id=data.get("campaign_id"), status=data.get("status"))
            return ImportResult(row, FAILED, message=str(api_error(response)))
        except CliError as err:
            return ImportResult(row, FAILED, message=str(err))
        except Exception as err:  # noqa: BLE001 - one row's surprise must not stop the others
            return ImportResult(row, FAILED, message=f"error client: {type(err).__name__}: {err}")
        finally:
            if progress is not None:
                progress.step()

    results: list[ImportResult] = []
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = [pool.submit(one, row) for row in rows]
        for f in as_completed(futures):
            results.append(f.result())
    results.sort(key=lambda r: r.row.number)
    return ImportSummary(results)


def print_summary(summary: ImportSummary, out: TextIO) -> None:
    table(("row", "request_id", "result", "campaign / error"),
          [(r.row.number, r.row.request_id or "-", r.result,
            r.campaign_id if r.result != FAILED else r.message) for r in summary.results], out)
    print(file=out)
    print(f"{summary.created} created, {summary.existed} already existed, {summary.failed} failed "
          f"({len(summary.results)} rows)", file=out)
