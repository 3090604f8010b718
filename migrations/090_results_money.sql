-- Money in results (DOMAIN.md "Money", shared/API.md "Money"): a day's actuals may state the
-- marketing-budget money spent that day (`promotion_cost`) and the bought-traffic part of it
-- (`paid_traffic`); both optional (null: not stated). A projection of ActualsRecorded /
-- ActualsCorrected like the other figures, so `make rebuild` refills them from the log.
ALTER TABLE campaign_actuals
    ADD COLUMN IF NOT EXISTS promotion_cost double precision CHECK (promotion_cost >= 0),
    ADD COLUMN IF NOT EXISTS paid_traffic   double precision
        CHECK (paid_traffic IS NULL
               OR (promotion_cost IS NOT NULL AND paid_traffic >= 0 AND paid_traffic <= promotion_cost));
