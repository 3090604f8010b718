-- Money (DOMAIN.md "Money"): the campaign list shows each campaign's forecast money
-- ({"given_away", "cost", "margin_after", "gross_profit_after"}), folded from the events
-- (CampaignSubmitted; a downgrade's scaled forecast), so `make rebuild` rebuilds it.
ALTER TABLE campaigns ADD COLUMN IF NOT EXISTS money jsonb;
