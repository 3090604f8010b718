"""The report's charts, drawn server-side as inline SVG with matplotlib (Agg, text kept as
text with `svg.fonttype: none`): the page needs no script and no network, prints, and a
screen reader reads the labels.

Names are people's free text: every text is drawn as it is, never parsed as mathtext (a
campaign named `$x^$` would otherwise fail the page for every reader), by `text.parse_math`
False in our style and `parse_math=False` on the texts we set.

Drawing costs about a second of CPU for a full page, so the routes call `render` on a
worker thread (api/routes/reports.py), never on the event loop. The figures are built with
the object-oriented API (`matplotlib.figure.Figure`, no pyplot: no global figure registry,
nothing to close), and what stays global, the rcParams our style sets for the drawing, is
held under one lock: one page draws at a time, and no other thread sees our style.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Sequence
from typing import Any

import matplotlib
from matplotlib.figure import Figure

_STYLE: Any = {"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
               "svg.hashsalt": "promoflow", "text.parse_math": False}
_LABELS = {"traffic": "traffic", "avg_order_value": "order value", "conversion_rate": "conversion"}
_GAIN, _LOSS, _TOTAL = "#2e7d32", "#c62828", "#546e7a"
_LOCK = threading.Lock()  # rcParams are process-global: one drawing at a time


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    return re.sub(r"^.*?(<svg)", r"\1", text, count=1, flags=re.S)  # drop the XML prolog and doctype


def waterfall(forecast: float, contributions: dict[str, float], actual: float, title: str) -> str:
    """Forecast sales, each factor's LMDI part as a step, actual sales."""
    with _LOCK, matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(4.2, 2.4))
        ax = fig.subplots()
        labels, bottoms, heights, colors = ["forecast"], [0.0], [forecast], [_TOTAL]
        level = forecast
        for key, value in contributions.items():
            labels.append(_LABELS.get(key, key))
            bottoms.append(level if value >= 0 else level + value)
            heights.append(abs(value))
            colors.append(_GAIN if value >= 0 else _LOSS)
            level += value
        labels.append("actual")
        bottoms.append(0.0)
        heights.append(actual)
        colors.append(_TOTAL)
        ax.bar(labels, heights, bottom=bottoms, color=colors)
        ax.set_title(title, fontsize=9, loc="left", parse_math=False)
        ax.ticklabel_format(axis="y", style="plain")
        ax.set_ylabel("sales, yuan", parse_math=False)
        return _svg(fig)


def bars(labels: Sequence[str], values: Sequence[float], title: str, unit: str) -> str:
    """A horizontal bar per label (best first at the top)."""
    with _LOCK, matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(5.2, 0.4 + 0.3 * max(1, len(labels))))
        ax = fig.subplots()
        ax.barh(list(labels)[::-1], list(values)[::-1], color=[_GAIN if v >= 0 else _LOSS for v in values][::-1])
        ax.set_title(title, fontsize=9, loc="left", parse_math=False)
        ax.set_xlabel(unit, parse_math=False)
        ax.ticklabel_format(axis="x", style="plain")
        return _svg(fig)


def roi_bars(groups: Sequence[dict[str, Any]], title: str) -> str:
    """Money (the report's `by_mechanic` / `by_depth_band`): a horizontal bar of median ROI
    per group (its `label`, else its `key`; listed order, top down), each annotated with its
    campaigns and sales ÷ forecast. Text is drawn as text, never as mathtext (parse_math off:
    a "$" in a label stays a "$")."""
    labels = [str(g.get("label") or g["key"]) for g in groups]
    values = [g["median_roi"] or 0.0 for g in groups]
    with _LOCK, matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(5.6, 0.5 + 0.32 * max(1, len(groups))))
        ax = fig.subplots()
        pos = list(range(len(groups)))[::-1]
        ax.barh(pos, values, color=[_GAIN if v >= 0 else _LOSS for v in values])
        ax.set_yticks(pos, labels=labels, parse_math=False)
        for y, g, v in zip(pos, groups, values, strict=True):
            sof, n = g["sales_over_forecast"], g["campaigns"]
            note = f"{n} campaign{'' if n == 1 else 's'}"
            if sof is not None:
                note += f" · sales ÷ forecast {sof:.2f}"
            if g["median_roi"] is None:
                note = "no ROI · " + note
            ax.text(max(v, 0.0), y, "  " + note, va="center", fontsize=8, parse_math=False)
        ax.axvline(0, color=_TOTAL, linewidth=0.6)
        ax.set_title(title, fontsize=9, loc="left", parse_math=False)
        ax.set_xlabel("median ROI: gross profit after promotion per yuan of marketing budget", parse_math=False)
        ax.margins(x=0.6)
        return _svg(fig)
