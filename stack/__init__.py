"""Running promoflow on one machine: the embedded servers, migrations, demo tokens, `make run`.

Configuration, logging and the Temporal client live in `infra/`, shared with the API and
the worker; nothing in `api/` or the engine imports this package."""
