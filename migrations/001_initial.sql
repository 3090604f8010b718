-- promoflow schema: an append-only event log plus projections updated in the same
-- transaction as the events they reflect. Invariants live here as constraints.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- The log. (campaign_id, seq) is the event's identity: unique, so concurrent writers at
-- one seq cannot both win, and gapless (checked by the append statement itself).
-- `position` orders the whole log; sequences commit out of order, so tailing readers
-- read only rows whose writing transaction `tx` is below the snapshot's xmin.
CREATE TABLE events (
    position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx              xid8 NOT NULL DEFAULT pg_current_xact_id(),
    campaign_id     text NOT NULL,
    seq             integer NOT NULL CHECK (seq >= 1),
    type            text NOT NULL,
    schema_version  integer NOT NULL DEFAULT 1,
    data            jsonb NOT NULL,
    actor           text NOT NULL,
    reason          text,
    at              timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_stream_seq UNIQUE (campaign_id, seq)
);
CREATE INDEX events_tx_position ON events (tx, position);

-- The log is append-only: no UPDATE or DELETE, even by hand.
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events is append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();

-- Reference data the engine holds (seeded from the policy defaults; operators edit it).
CREATE TABLE business_lines (
    business_line       text PRIMARY KEY,
    strategic_weight    double precision NOT NULL CHECK (strategic_weight BETWEEN 0 AND 1),
    annual_target       double precision NOT NULL CHECK (annual_target >= 0),
    annual_progress     double precision NOT NULL CHECK (annual_progress >= 0),
    month_revenue       double precision NOT NULL CHECK (month_revenue >= 0),
    month_revenue_norm  double precision NOT NULL CHECK (month_revenue_norm > 0)
);

-- Per-year overrides of the policy defaults (JSON merged onto domain.policy.Policy).
CREATE TABLE policy_overrides (
    year       integer PRIMARY KEY,
    overrides  jsonb NOT NULL DEFAULT '{}'
);

-- The resource catalog: one row per bookable unit, so a booking of unit 9 of a
-- resource with 8 units is a foreign-key violation.
CREATE TABLE resource_units (
    resource  text NOT NULL,
    unit      integer NOT NULL CHECK (unit >= 1),
    PRIMARY KEY (resource, unit)
);

-- Projection: campaigns list (the API's read model).
CREATE TABLE campaigns (
    campaign_id     text PRIMARY KEY,
    request_id      text NOT NULL,
    name            text NOT NULL,
    business_line   text NOT NULL,
    category        text NOT NULL,
    owner           text NOT NULL,
    requested_tier  text,
    proposed_tier   text,
    tier            text,
    status          text NOT NULL,
    month           text NOT NULL,
    hot_topic       boolean NOT NULL,
    score           double precision,
    submitted_at    timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    last_seq        integer NOT NULL
);
CREATE INDEX campaigns_filter ON campaigns (business_line, status, month);

-- Projection: the calendar, one row per campaign holding a place in a month.
CREATE TABLE calendar_entries (
    campaign_id   text PRIMARY KEY,
    year          integer NOT NULL,
    month         text NOT NULL,
    tier          text NOT NULL CHECK (tier IN ('S', 'A', 'B', 'C')),
    category      text NOT NULL,
    counted_days  integer NOT NULL CHECK (counted_days >= 0),
    hot_topic     boolean NOT NULL,
    phases        jsonb NOT NULL
);
CREATE INDEX calendar_entries_year ON calendar_entries (year, month);

-- Projection: bookings. No unit of a resource is ever held twice on one day by live
-- bookings: the exclusion constraint decides, whatever code or SQL inserts the row.
CREATE TABLE bookings (
    campaign_id  text NOT NULL,
    resource     text NOT NULL,
    unit         integer NOT NULL,
    phase        text NOT NULL CHECK (phase IN ('warmup', 'burst', 'encore')),
    during       daterange NOT NULL CHECK (NOT isempty(during)),
    status       text NOT NULL CHECK (status IN ('held', 'active', 'released')),
    PRIMARY KEY (campaign_id, resource, unit, phase),
    FOREIGN KEY (resource, unit) REFERENCES resource_units (resource, unit),
    CONSTRAINT bookings_no_double_booking
        EXCLUDE USING gist (resource WITH =, unit WITH =, during WITH &&) WHERE (status <> 'released')
);
CREATE INDEX bookings_during ON bookings USING gist (during);

-- Projection: the audit trail (who did what, when, why), one row per event.
CREATE TABLE audit_trail (
    position     bigint PRIMARY KEY,
    campaign_id  text NOT NULL,
    seq          integer NOT NULL,
    type         text NOT NULL,
    actor        text NOT NULL,
    reason       text,
    at           timestamptz NOT NULL
);
CREATE INDEX audit_trail_campaign ON audit_trail (campaign_id, seq);

-- How far each projection has read the log, updated in the same transaction.
CREATE TABLE projection_checkpoints (
    projection  text PRIMARY KEY,
    tx          xid8 NOT NULL,
    position    bigint NOT NULL
);
