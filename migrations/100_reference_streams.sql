-- Reference data as events (issue 25): the year's policy overrides, the business lines'
-- context and the webhook subscriptions become projections of streams `policy-<year>`,
-- `line-<line>` and `webhook-<id>` (domain/reference_events.py, store/reference_projection.py);
-- the append is their only writer and `make rebuild` rebuilds them.

-- The last seq folded into the row: a change is appended at version + 1, so of two
-- concurrent changes the log's (stream, seq) guard lets one win.
ALTER TABLE policy_overrides ADD COLUMN version integer NOT NULL DEFAULT 0;
ALTER TABLE business_lines ADD COLUMN version integer NOT NULL DEFAULT 0;

-- The rebuild truncates webhook_subscriptions; the outbox and the sealed secrets are not
-- projections and must stay, so they no longer reference it.
ALTER TABLE webhook_deliveries DROP CONSTRAINT IF EXISTS webhook_deliveries_subscription_id_fkey;
ALTER TABLE webhook_secrets DROP CONSTRAINT IF EXISTS webhook_secrets_subscription_id_fkey;

-- What the tables held before becomes the first event of each stream, so a rebuild gives
-- it back (nothing is delivered for these: they were not notified before either).
DELETE FROM policy_overrides WHERE overrides = '{}'::jsonb;
INSERT INTO events (campaign_id, seq, type, data, actor, reason, at)
    SELECT 'policy-' || year, 1, 'PolicyOverridden', jsonb_build_object('changes', overrides, 'actor_id', NULL),
           'promoflow', 'the overrides held before policy changes were events', now()
    FROM policy_overrides p
    WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.campaign_id = 'policy-' || p.year)
    ORDER BY year;
UPDATE policy_overrides SET version = 1;

INSERT INTO events (campaign_id, seq, type, data, actor, reason, at)
    SELECT 'line-' || business_line, 1, 'BusinessLineChanged',
           jsonb_build_object('changes', jsonb_build_object(
               'strategic_weight', strategic_weight, 'annual_target', annual_target,
               'annual_progress', annual_progress, 'month_revenue', month_revenue,
               'month_revenue_norm', month_revenue_norm), 'actor_id', NULL),
           'promoflow', 'the line as held before business-line changes were events', now()
    FROM business_lines b
    WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.campaign_id = 'line-' || b.business_line)
    ORDER BY business_line;
UPDATE business_lines SET version = 1;

INSERT INTO events (campaign_id, seq, type, data, actor, reason, at)
    SELECT 'webhook-' || id, 1, 'WebhookSubscribed',
           jsonb_build_object('url', url, 'events', to_jsonb(events), 'actor_id', NULL), created_by, NULL, created_at
    FROM webhook_subscriptions s
    WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.campaign_id = 'webhook-' || s.id)
    ORDER BY created_at, id;
INSERT INTO events (campaign_id, seq, type, data, actor, reason, at)
    SELECT 'webhook-' || id, 2, 'WebhookUnsubscribed', jsonb_build_object('actor_id', NULL), 'promoflow',
           'unsubscribed before subscriptions were events', now()
    FROM webhook_subscriptions s
    WHERE NOT active AND NOT EXISTS (SELECT 1 FROM events e WHERE e.campaign_id = 'webhook-' || s.id AND e.seq = 2)
    ORDER BY created_at, id;
