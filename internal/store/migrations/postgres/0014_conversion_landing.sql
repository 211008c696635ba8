-- Which links' destinations carry the snippet: those with a landing event.
-- The others count their unique clicks as effective (METRICS.md), and
-- reports look this up for every link they show.
CREATE INDEX conversions_landing ON conversions (workspace_id, link_id) WHERE event = 'landing';
