-- Corrections rewrite `campaign_actuals` rows in place (a bulk import corrects thousands of
-- days per call). With room left on each page the new row version goes on the same page
-- and no index changes (a HOT update): the bulk import's day-row upsert takes about half
-- the time and WAL (bench/results.py). Applies to pages written from now on; `rebuild`
-- (TRUNCATE, then refill) and VACUUM FULL rewrite the existing ones.
ALTER TABLE campaign_actuals SET (fillfactor = 70);
