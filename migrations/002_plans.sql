-- The planning season: projections of the plan streams (`plan-<year>` in events) and the
-- solutions the solve activity stores (too big for an event; the event names them).

-- Projection: the intents of each year's plan, one row per intent.
CREATE TABLE plan_intents (
    year           integer NOT NULL,
    intent_id      text NOT NULL,
    request_id     text NOT NULL,
    business_line  text NOT NULL,
    intent         jsonb NOT NULL,
    submitted_seq  integer NOT NULL,
    submitted_at   timestamptz NOT NULL,
    submitted_by   text NOT NULL,
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'published', 'cut')),
    campaign_id    text,
    closed_reason  text,
    PRIMARY KEY (year, intent_id)
);
CREATE INDEX plan_intents_line ON plan_intents (year, business_line);

-- Solutions of the plan and of its scenarios (written once by the solve activity).
CREATE TABLE plan_solutions (
    solution_id  text PRIMARY KEY,
    year         integer NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('plan', 'scenario')),
    name         text,
    summary      jsonb NOT NULL,
    decisions    jsonb NOT NULL,
    inputs       jsonb NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX plan_solutions_year ON plan_solutions (year, kind, name);
