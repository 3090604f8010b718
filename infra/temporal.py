"""The Temporal client every process connects with: one rule for where the cluster is and
how to talk to it, so the API does not import the worker (or the other way round).

Where and how come from Temporal's standard environment configuration
(`temporalio.envconfig`): the profile in `TEMPORAL_CONFIG_FILE` (or the default
temporal.toml) and the `TEMPORAL_*` variables, so a real cluster's TLS certificates
(`TEMPORAL_TLS_*`), API key (`TEMPORAL_API_KEY`) and gRPC metadata need no code here.
promoflow's own settings still win for the address and namespace: `TEMPORAL_ADDRESS`
(which `make run` sets for its children) and `TEMPORAL_NAMESPACE`, or the values a test
passes to `Settings`. Payloads use the pydantic data converter on both sides.
"""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.envconfig import ClientConfig, ClientConnectConfig
from temporalio.runtime import Runtime

from infra.settings import Settings


def connect_config(settings: Settings) -> ClientConnectConfig:
    """`Client.connect` keyword arguments: the environment's profile, then our settings."""
    config = ClientConfig.load_client_connect_config()
    if settings.temporal_address:
        config["target_host"] = settings.temporal_address
    if "temporal_namespace" in settings.model_fields_set or "namespace" not in config:
        config["namespace"] = settings.temporal_namespace
    if not config.get("target_host"):
        settings.require_temporal_address()  # exits with the message naming TEMPORAL_ADDRESS
    return config


async def connect(settings: Settings, *, runtime: Runtime | None = None) -> Client:
    return await Client.connect(**connect_config(settings), data_converter=pydantic_data_converter, runtime=runtime)
