-- Projection: each campaign's preparation milestones (MilestonesPlanned / Moved / Done /
-- Overdue; cancel and expiry close the pending ones). Rebuilt from the log like the others.
CREATE TABLE milestones (
    campaign_id  text NOT NULL,
    key          text NOT NULL,
    name         text NOT NULL,
    team         text NOT NULL,
    due          date NOT NULL,
    status       text NOT NULL CHECK (status IN ('open', 'done', 'overdue', 'closed')),
    done_by      text,
    done_at      timestamptz,
    comment      text,
    PRIMARY KEY (campaign_id, key)
);
-- GET /milestones: the pending ones across campaigns, soonest first, by team.
CREATE INDEX milestones_pending ON milestones (due, team) WHERE status IN ('open', 'overdue');
