"""The internal HTTP API: translates HTTP into Temporal calls and read-model queries."""
