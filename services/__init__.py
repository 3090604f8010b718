"""Use cases: what a caller may change, checked and recorded as events, one module per
concern. Routes, the CLI, the web app and activities call these; they translate only.
No SQL here (that is store/'s) and no HTTP (a refusal is a `services.errors.Refused`)."""
