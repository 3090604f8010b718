"""How long an idle HTTP connection is kept, by our clients and by the API: the two
numbers that must be set together, in one small module the command-line tool can import
without loading the settings (pydantic-settings is a fifth of its start-up).

The server keeps an idle connection longer than any of our clients does: when both used
5 s, a client could send on a connection the server was closing at that instant ->
httpx.ReadError (the load test's flake).
"""

from __future__ import annotations

CLIENT_KEEPALIVE_S = 2.0  # our HTTP clients (starter.py, the load test) drop an idle connection after this
API_KEEPALIVE_S = 75  # the API's default (`API_KEEPALIVE_S`, infra/settings.py): well above the clients'
