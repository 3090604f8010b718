"""Structured logs, shared by every entry point (the API, the worker): one JSON object a
line, carrying the campaign id wherever it is known (`extra={"campaign_id": ...}` in the
API; the workflow / activity id in the worker)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in _STANDARD:
                continue
            if key == "temporal_workflow" and isinstance(value, dict):  # set by the Temporal SDK
                entry["campaign_id"] = value.get("workflow_id")
            elif key == "temporal_activity" and isinstance(value, dict):
                entry["campaign_id"] = value.get("workflow_id")
                entry["activity"] = value.get("activity_type")
            else:
                entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
