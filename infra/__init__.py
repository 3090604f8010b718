"""The neutral floor under the entry points: settings, logging, the Temporal client, token digests.

Named `infra` rather than `config` because it holds more than configuration: it is the
wiring that several layers share (the API, the worker, `make run` and the tests). It
imports nothing of promoflow, so every layer may import it and no arrow points up:
`api/` and `worker.py` use it instead of importing each other, and `stack/` uses it
instead of importing `api/`.
"""
