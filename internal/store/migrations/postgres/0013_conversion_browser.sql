-- The browser a snippet event came from: a random first-party id the
-- snippet keeps for 30 days. The visitor hash changes every day with its
-- salt, so a visitor's clicks on other days are found through the
-- browser's landings instead (first touch and linear attribution), which
-- this index holds.
ALTER TABLE conversions ADD COLUMN browser_id TEXT;
CREATE INDEX conversions_browser ON conversions (workspace_id, browser_id) WHERE event = 'landing' AND browser_id IS NOT NULL;
