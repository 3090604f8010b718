-- Approvals as a team lives them (issue #14): delegations (a projection of their events),
-- webhook subscriptions and the transactional outbox of deliveries.

-- Projection: delegations, folded from DelegationGranted / DelegationRevoked (streams
-- `delegation-<id>` in the events log); rebuilt with the other projections.
CREATE TABLE delegations (
    id          text PRIMARY KEY,
    from_name   text NOT NULL,
    from_role   text NOT NULL,
    from_line   text,
    to_name     text NOT NULL,
    starts      date NOT NULL,
    ends        date NOT NULL CHECK (ends >= starts),
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX delegations_to ON delegations (to_name, starts, ends);

-- Webhook subscriptions (ops configuration, not events).
CREATE TABLE webhook_subscriptions (
    id          text PRIMARY KEY,
    url         text NOT NULL,
    events      text[] NOT NULL,
    secret      text NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    active      boolean NOT NULL DEFAULT true
);

-- The outbox: one row per (subscription, event), inserted in the transaction that appends
-- the event (store/eventstore.append), so a committed event always has its deliveries.
-- Not a projection: a rebuild never touches it (it would deliver the whole log again).
CREATE TABLE webhook_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id  text NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id         text NOT NULL,
    event_type       text NOT NULL,
    campaign_id      text NOT NULL,
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    last_status      integer,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
