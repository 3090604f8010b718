-- A bulk correction rewrites every day of a campaign at once: 30 rows, half a page. At
-- fillfactor 70 (040) a page's free room held only part of the new versions, so most of
-- them moved to other pages and wrote both indexes again: 26,000-54,000 of 60,000 updates
-- were HOT. At 50 every one of them is (60,000 of 60,000), and rewriting 60,000 days took
-- 515-714 ms against 686-973 at 70 and 1,727-2,445 at 100 (four rounds each, alternated,
-- 200 campaigns a statement; docs/BENCHMARKS.md). The table is a few MB per year: the
-- room costs little. Applies to pages written from now on (see 040).
ALTER TABLE campaign_actuals SET (fillfactor = 50);
