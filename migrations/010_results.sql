-- Results (issue #13): daily actuals and outcomes as projections of the log
-- (ActualsRecorded / ActualsCorrected / CampaignOutcome), rebuilt by `make rebuild`;
-- and the optional revenue feed of business lines (reference data, not a projection).

-- Projection: the current figures of each day of each campaign (a correction overwrites
-- the row here; the log keeps both versions). `seq` is the event that set the row.
CREATE TABLE campaign_actuals (
    campaign_id   text NOT NULL,
    day           date NOT NULL,
    traffic       bigint NOT NULL CHECK (traffic >= 0),
    orders        bigint NOT NULL CHECK (orders >= 0 AND orders <= traffic),
    gmv           double precision NOT NULL CHECK (gmv >= 0),
    gross_profit  double precision NOT NULL,
    business_line text NOT NULL,
    seq           integer NOT NULL,
    PRIMARY KEY (campaign_id, day)
);
CREATE INDEX campaign_actuals_line_day ON campaign_actuals (business_line, day);

-- Projection: the latest outcome of each campaign (the report ranks these).
CREATE TABLE campaign_outcomes (
    campaign_id                   text PRIMARY KEY,
    year                          integer NOT NULL,
    month                         text NOT NULL,
    business_line                 text NOT NULL,
    tier                          text NOT NULL CHECK (tier IN ('S', 'A', 'B', 'C')),
    name                          text NOT NULL,
    days                          integer NOT NULL,
    counted_days                  integer NOT NULL,
    gross_profit                  double precision NOT NULL,
    gross_profit_per_counted_day  double precision,
    forecast_sales                double precision NOT NULL,
    sales                         double precision NOT NULL,
    traffic                       double precision NOT NULL,
    orders                        bigint NOT NULL,
    outcome                       jsonb NOT NULL,
    seq                           integer NOT NULL
);
CREATE INDEX campaign_outcomes_year ON campaign_outcomes (year, business_line);

-- Reference data: a line's revenue outside campaigns (POST /business-lines/{line}/revenue),
-- one figure per line and day; the review adds it to the line's recorded actuals.
CREATE TABLE line_revenue (
    business_line  text NOT NULL,
    day            date NOT NULL,
    revenue        double precision NOT NULL CHECK (revenue >= 0),
    recorded_by    text NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (business_line, day)
);
