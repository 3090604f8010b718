-- The web app's sessions (api/web/session.py): server-side, so signing out or expiry ends
-- them on the server. The cookie holds a random id signed with PROMOFLOW_SESSION_SECRET;
-- this table keeps only its SHA-256 digest (a read of the table opens no session), the
-- principal as it signed in, the session's CSRF token and when it ends. Not an event
-- stream and not a projection: `make rebuild` leaves it alone.
CREATE TABLE web_sessions (
    id_sha256      text PRIMARY KEY,
    name           text NOT NULL,
    role           text NOT NULL,
    business_line  text,
    actor_id       text NOT NULL,
    csrf_token     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    CHECK (expires_at > created_at)
);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
