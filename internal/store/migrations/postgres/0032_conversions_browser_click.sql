-- As SQLite's 0032: attribution reads the clicks whose landing a browser
-- reported (browserTouchesSQL), for each browser its landings and then
-- their clicks; the index holds the click, so that the landings are read
-- from it alone.
DROP INDEX conversions_browser;
CREATE INDEX conversions_browser ON conversions (workspace_id, browser_id, click_id)
WHERE event = 'landing' AND browser_id IS NOT NULL;
