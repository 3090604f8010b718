"""What the tool prints for people: aligned tables, the progress bar of a bulk import,
and one campaign's state. Kept apart from the commands so the text layout has one home."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from typing import Any, TextIO


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], out: TextIO) -> None:
    cells = [[("" if v is None else str(v)) for v in r] for r in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    print(fmt.format(*headers).rstrip(), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for r in cells:
        print(fmt.format(*r).rstrip(), file=out)


class Progress:
    """`\\r[#####.....] 12/39` on a stream (stderr), thread-safe."""

    def __init__(self, total: int, stream: TextIO, width: int = 30, enabled: bool = True):
        self.total, self.stream, self.width, self.enabled = total, stream, width, enabled
        self.done = 0
        self.lock = threading.Lock()
        self._draw()

    def _draw(self) -> None:
        if not self.enabled:
            return
        filled = self.width * self.done // self.total if self.total else self.width
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total}")
        self.stream.flush()

    def step(self, n: int = 1) -> None:
        with self.lock:
            self.done += n
            self._draw()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def print_campaign(c: dict[str, Any], out: TextIO) -> None:
    tier = c.get("tier") or (f"{c.get('proposed_tier')} (proposed)" if c.get("proposed_tier") else None)
    score = f"{c['score']:.3f}" if isinstance(c.get("score"), (int, float)) else "-"
    lines = [
        f"{c.get('campaign_id')}  {c.get('name')}",
        f"  status:    {c.get('status')}" + (f"  (pending: {c['pending']})" if c.get("pending") else "")
        + ("  escalated" if c.get("escalated") else ""),
        f"  line:      {c.get('business_line')} / {c.get('category')}   owner: {c.get('owner', '-')}",
        f"  tier:      {tier or '-'}   requested: {c.get('requested_tier') or '-'}   score: {score}",
        f"  month:     {c.get('month')}   burst: {c.get('burst_start') or '-'}"
        + ("   hot topic" if c.get("hot_topic") else ""),
    ]
    if c.get("alternatives"):
        lines.append(f"  alternatives: {', '.join(c['alternatives'])}")
    for reason in c.get("reasons") or []:
        lines.append(f"  reason:    {reason}")
    if c.get("revenue_flag"):
        lines.append(f"  revenue:   {c['revenue_flag']}")
    print("\n".join(lines), file=out)
    if c.get("phases"):
        print("  phases:", file=out)
        for p in c["phases"]:
            print(f"    {p.get('phase'):<8} {p.get('start')} .. {p.get('end')}", file=out)
    if c.get("bookings"):
        print(f"  bookings ({len(c['bookings'])}):", file=out)
        for b in c["bookings"]:
            print(f"    {b.get('resource')}#{b.get('unit')} {b.get('phase')} {b.get('start')} .. {b.get('end')}",
                  file=out)
    if c.get("shortfall"):
        print(f"  shortfall: {json.dumps(c['shortfall'])}", file=out)
    if c.get("history"):
        print("  history:", file=out)
        for h in c["history"]:
            reason = f" - {h['reason']}" if h.get("reason") else ""
            print(f"    {h.get('seq'):>3} {h.get('at')} {h.get('type')} by {h.get('actor')}{reason}", file=out)
