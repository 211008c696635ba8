-- Attribution reads the clicks whose landing a browser reported
-- (browserTouchesSQL): for each browser of the period's events, its
-- landings, then their clicks. Holding the click, the index answers the
-- landings without reading each event's row; event is a column too, as
-- SQLite counts a column of a partial index's WHERE as covered only then.
DROP INDEX conversions_browser;
CREATE INDEX conversions_browser ON conversions (workspace_id, browser_id, click_id, event)
WHERE event = 'landing' AND browser_id IS NOT NULL;
-- As in 0030: a new index without statistics misleads the planner.
ANALYZE conversions;
