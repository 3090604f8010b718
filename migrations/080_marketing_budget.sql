-- The marketing budget (DOMAIN.md "Money"): each reserved place carries the campaign's
-- promotion cost C (yuan, from its MonthReserved event), summed under the year lock like
-- the counted days; released with the place (the row goes). Places reserved before hold 0.
ALTER TABLE calendar_entries ADD COLUMN IF NOT EXISTS cost double precision NOT NULL DEFAULT 0
    CHECK (cost >= 0);
