"""Configuration from the environment, one place, typed (pydantic-settings).

Each field names its environment variable (README "Configuration"); a bad value fails at
start with an error naming that variable (`API_PORT: Input should be a valid integer`).
Tests build `Settings(task_queue=...)` with field names; processes read the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from infra.keepalive import API_KEEPALIVE_S, CLIENT_KEEPALIVE_S
from infra.secret_box import SecretBox
from infra.webhook_allow import AllowList
from infra.webhook_retry import WebhookRule

ROOT = Path(__file__).resolve().parent.parent
__all__ = ["CLIENT_KEEPALIVE_S", "ROOT", "Settings", "load_settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, populate_by_name=True, extra="ignore", env_ignore_empty=True)

    data_dir: Path = Field(default=ROOT / ".data", validation_alias="PROMOFLOW_DATA_DIR")
    # Unset -> `make run` starts the embedded servers and fills these in for its children.
    temporal_address: str | None = Field(default=None, validation_alias="TEMPORAL_ADDRESS")
    temporal_namespace: str = Field(default="default", validation_alias="TEMPORAL_NAMESPACE")
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    task_queue: str = Field(default="promoflow", validation_alias="PROMOFLOW_TASK_QUEUE")
    api_host: str = Field(default="127.0.0.1", validation_alias="API_HOST")
    api_port: int = Field(default=8000, validation_alias="API_PORT")
    # Longer than any of our clients keeps an idle connection: the rule, and why, in infra/keepalive.py.
    api_keepalive_s: int = Field(default=API_KEEPALIVE_S, validation_alias="API_KEEPALIVE_S", gt=CLIENT_KEEPALIVE_S)
    # POST /campaigns waits this long for the score; past it (a worker away) it answers the
    # campaign as submitted, to be scored when a worker runs it.
    score_wait_s: float = Field(default=10.0, validation_alias="PROMOFLOW_SCORE_WAIT_S", gt=0)
    # A request body over this is 413 before it is parsed or authenticated (api/body_limit.py).
    max_body_bytes: int = Field(default=10 * 1024 * 1024, validation_alias="PROMOFLOW_MAX_BODY_BYTES", ge=1)
    temporal_port: int = Field(default=7233, validation_alias="TEMPORAL_PORT")
    temporal_ui_port: int = Field(default=8233, validation_alias="TEMPORAL_UI_PORT")
    worker_metrics_host: str = Field(default="127.0.0.1", validation_alias="WORKER_METRICS_HOST")
    worker_metrics_port: int = Field(default=9464, validation_alias="WORKER_METRICS_PORT")
    tokens_file: Path | None = Field(default=None, validation_alias="PROMOFLOW_TOKENS_FILE")
    # Webhook URLs must match one of these entries, each a host (any port) or host:port
    # (comma-separated; default: loopback only). The rule: infra/webhook_allow.py.
    webhook_allow: str = Field(default="127.0.0.1,localhost,::1", validation_alias="PROMOFLOW_WEBHOOK_ALLOW")
    # Fernet key sealing secrets at rest (webhook secrets); unset: POST /webhooks is 503 and
    # the worker's webhook delivery is down. `make run` generates one into .data.
    secret_key: SecretStr | None = Field(default=None, validation_alias="PROMOFLOW_SECRET_KEY")
    # The delivery loop's retries and limits (infra/webhook_retry.py), as JSON: any of its keys,
    # e.g. '{"max_attempts": 12, "timeout_seconds": 10}'; the rest keep their defaults.
    webhook_retry: Annotated[WebhookRule, NoDecode] = Field(default=WebhookRule(),
                                                           validation_alias="PROMOFLOW_WEBHOOK_RETRY")
    # /healthz reports a background part (webhook delivery) down when its heartbeat is older.
    background_stale_s: float = Field(default=30.0, validation_alias="PROMOFLOW_BACKGROUND_STALE_S", gt=0)
    # OIDC bearer JWTs (unset: the tokens file only); role and business line from these claims.
    oidc_issuer: str | None = Field(default=None, validation_alias="PROMOFLOW_OIDC_ISSUER")
    oidc_audience: str | None = Field(default=None, validation_alias="PROMOFLOW_OIDC_AUDIENCE")
    oidc_jwks_url: str | None = Field(default=None, validation_alias="PROMOFLOW_OIDC_JWKS_URL")
    oidc_role_claim: str = Field(default="promoflow_role", validation_alias="PROMOFLOW_OIDC_ROLE_CLAIM")
    oidc_line_claim: str = Field(default="business_line", validation_alias="PROMOFLOW_OIDC_LINE_CLAIM")
    oidc_name_claim: str = Field(default="preferred_username", validation_alias="PROMOFLOW_OIDC_NAME_CLAIM")
    # Asymmetric only (api/oidc.py refuses `none` and HMAC); comma-separated.
    oidc_algorithms: str = Field(default="RS256,RS384,RS512,PS256,ES256,ES384",
                                 validation_alias="PROMOFLOW_OIDC_ALGORITHMS")
    oidc_leeway_s: float = Field(default=30.0, validation_alias="PROMOFLOW_OIDC_LEEWAY_S", ge=0)
    oidc_jwks_lifespan_s: float = Field(default=300.0, validation_alias="PROMOFLOW_OIDC_JWKS_LIFESPAN_S", gt=0)
    # The web app (api/web/). Sign-in in the browser with the issuer above: a client of it
    # (both or neither; the issuer's discovery document names its endpoints unless overridden).
    oidc_client_id: str | None = Field(default=None, validation_alias="PROMOFLOW_OIDC_CLIENT_ID")
    oidc_client_secret: SecretStr | None = Field(default=None, validation_alias="PROMOFLOW_OIDC_CLIENT_SECRET")
    oidc_discovery_url: str | None = Field(default=None, validation_alias="PROMOFLOW_OIDC_DISCOVERY_URL")
    # Signs the session cookie (unset: the web app's sign-in is 503); `make run` generates one into .data.
    session_secret: SecretStr | None = Field(default=None, validation_alias="PROMOFLOW_SESSION_SECRET",
                                             min_length=32)
    session_hours: float = Field(default=12.0, validation_alias="PROMOFLOW_SESSION_HOURS", gt=0, le=24 * 90)
    # The demo principals of the tokens file as sign-in buttons: `make run` sets it, nothing else does.
    demo_login: bool = Field(default=False, validation_alias="PROMOFLOW_DEMO_LOGIN")

    @model_validator(mode="after")
    def _oidc_all_or_none(self) -> Settings:
        given = {"PROMOFLOW_OIDC_ISSUER": self.oidc_issuer, "PROMOFLOW_OIDC_AUDIENCE": self.oidc_audience,
                 "PROMOFLOW_OIDC_JWKS_URL": self.oidc_jwks_url}
        missing = [k for k, v in given.items() if not v]
        if 0 < len(missing) < len(given):
            raise ValueError(f"single sign-on needs all three of {', '.join(given)}; missing {', '.join(missing)}")
        if bool(self.oidc_client_id) != bool(self.oidc_client_secret):
            raise ValueError("sign-in with SSO needs both PROMOFLOW_OIDC_CLIENT_ID and PROMOFLOW_OIDC_CLIENT_SECRET")
        if self.oidc_client_id and missing:
            raise ValueError(f"PROMOFLOW_OIDC_CLIENT_ID needs the issuer settings too; missing {', '.join(missing)}")
        return self

    @property
    def sso_login_enabled(self) -> bool:
        return bool(self.oidc_enabled and self.oidc_client_id and self.oidc_client_secret)

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_audience and self.oidc_jwks_url)

    @field_validator("webhook_allow")
    @classmethod
    def _allow_list_parses(cls, value: str) -> str:
        AllowList.parse(value)
        return value

    @field_validator("webhook_retry", mode="before")
    @classmethod
    def _retry_from_json(cls, value: Any) -> Any:
        """The environment's text is JSON (not JSON is an error naming the variable, not a crash)."""
        return WebhookRule.model_validate_json(value) if isinstance(value, str) else value

    @field_validator("secret_key")
    @classmethod
    def _secret_key_is_fernet(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            SecretBox.check_key(value.get_secret_value())
        return value

    @property
    def webhook_allow_list(self) -> AllowList:
        return AllowList.parse(self.webhook_allow)

    @property
    def secret_box(self) -> SecretBox | None:
        return SecretBox(self.secret_key.get_secret_value()) if self.secret_key else None

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


def load_settings() -> Settings:
    """The settings of a process, for entry points: a bad variable stops it with one line
    per problem, naming the variable, instead of a traceback."""
    try:
        return Settings()
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}={_shown(e)}: {e['msg']}" for e in err.errors())
        raise SystemExit(f"invalid configuration: {problems}") from err


def _shown(error) -> str:
    """The bad value, for the message; never a secret's."""
    return "<hidden>" if "SECRET" in ".".join(str(p) for p in error["loc"]).upper() else repr(error.get("input"))
