"""The web app: people sign in and do their work in a browser (shared/API.md "The web app").

Server-rendered pages under /app, one concern per module:
- `session.py`: server-side sessions behind the `promoflow_session` cookie; the `WebActor`
  (pages) and `DocumentActor` (calendar/plan/report pages and exports: bearer or session)
  dependencies; `home`, `safe_next`.
- `csrf.py`: the session's CSRF token and the pre-session token of the sign-in forms.
- `forms.py`: `@form_post`, the pattern of every state-changing form.
- `render.py`: `render(request, template, **ctx)` (the layout, the person, the navigation bar,
  the CSRF token), `WebError`, `LoginRequired`, the navigation bar's `NAV`.
- `login.py` (the door, demo sign-in, sign-out), `sso.py` (OIDC sign-in), one router per
  page (`inbox.py`, `campaigns.py`, `lines.py`, `delegations.py`, `webhooks.py`, `results.py`, ...),
  `install.py` (the wiring, security headers, error pages).

Templates are in api/templates/app/ (base.html is the layout), the stylesheet is
api/static/app.css, htmx is vendored in api/static/vendor/.
"""
