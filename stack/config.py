"""Configuration from the environment, one place. See README "Configuration"."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEARCH_ATTRIBUTES = ("CampaignStatus", "CampaignTier", "CampaignMonth", "BusinessLine", "Category")


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=lambda: Path(os.environ.get("PROMOFLOW_DATA_DIR", ROOT / ".data")))
    # Unset -> `make run` starts the embedded servers and fills these in for its children.
    temporal_address: str | None = field(default_factory=lambda: os.environ.get("TEMPORAL_ADDRESS"))
    temporal_namespace: str = field(default_factory=lambda: os.environ.get("TEMPORAL_NAMESPACE", "default"))
    database_url: str | None = field(default_factory=lambda: os.environ.get("DATABASE_URL"))
    task_queue: str = field(default_factory=lambda: os.environ.get("PROMOFLOW_TASK_QUEUE", "promoflow"))
    api_host: str = field(default_factory=lambda: os.environ.get("API_HOST", "127.0.0.1"))
    api_port: int = field(default_factory=lambda: int(os.environ.get("API_PORT", "8000")))
    temporal_port: int = field(default_factory=lambda: int(os.environ.get("TEMPORAL_PORT", "7233")))
    temporal_ui_port: int = field(default_factory=lambda: int(os.environ.get("TEMPORAL_UI_PORT", "8233")))
    worker_metrics_host: str = field(default_factory=lambda: os.environ.get("WORKER_METRICS_HOST", "127.0.0.1"))
    worker_metrics_port: int = field(default_factory=lambda: int(os.environ.get("WORKER_METRICS_PORT", "9464")))
    tokens_file: Path | None = field(
        default_factory=lambda: Path(os.environ["PROMOFLOW_TOKENS_FILE"]) if os.environ.get("PROMOFLOW_TOKENS_FILE") else None
    )

    @property
    def tokens_path(self) -> Path:
        """What the API reads: PROMOFLOW_TOKENS_FILE, or the embedded stack's digests file."""
        return self.tokens_file or self.data_dir / "tokens.sha256.json"

    @property
    def demo_tokens_path(self) -> Path:
        """The embedded stack's demo tokens in clear, for people and starter.py."""
        return self.data_dir / "tokens.json"

    def require_database_url(self) -> str:
        if not self.database_url:
            raise SystemExit("DATABASE_URL is not set (make run sets it for the embedded PostgreSQL)")
        return self.database_url

    def require_temporal_address(self) -> str:
        if not self.temporal_address:
            raise SystemExit("TEMPORAL_ADDRESS is not set (make run sets it for the embedded Temporal)")
        return self.temporal_address
