-- Webhook hardening: secrets sealed at rest, per-subscription claiming, background parts' health.

-- Secrets sealed with Fernet under PROMOFLOW_SECRET_KEY (infra/secret_box.py), in their own
-- table (never in the log, never returned by a route). The database cannot seal (it has no
-- key), so rows written before keep their plain `secret` until the worker's delivery loop
-- starts with the key: it seals them here and clears the plain column
-- (store.outbox.seal_plain_secrets). New rows never hold the plain secret.
CREATE TABLE webhook_secrets (
    subscription_id  text PRIMARY KEY REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    secret_enc       text NOT NULL
);
ALTER TABLE webhook_subscriptions ALTER COLUMN secret DROP NOT NULL;

-- The delivery loop claims the oldest due rows of each subscription up to a per-subscription
-- cap (store.outbox.claim_due), so one hanging receiver cannot take every slot.
CREATE INDEX webhook_deliveries_due_per_subscription ON webhook_deliveries (subscription_id, next_attempt_at, id)
    WHERE status = 'pending';

-- Background parts of the worker (the webhook delivery loop), one row per process running
-- one: 'up' with a heartbeat each cycle, 'down' while its supervisor restarts it, 'stopped'
-- once the worker stopped. The API's /healthz reads it (store/background.py says the rule).
CREATE TABLE background_parts (
    name          text NOT NULL,
    instance      text NOT NULL,
    status        text NOT NULL CHECK (status IN ('up', 'down', 'stopped')),
    detail        text,
    started_at    timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, instance)
);
