-- From which hour a link's destination carries the snippet: the hour of
-- the first click by a person whose landing was reported. Effective
-- clicks are counted from that hour on; before it (and for a link without
-- one) a link's unique clicks count as effective (METRICS.md). Before,
-- one landing ever, from any click, switched the fallback off for all
-- time, so installing the snippet mid-campaign (or one forged landing)
-- took every earlier effective click away. Not on links itself: a change
-- of links makes every node reload its link cache (link_version).
CREATE TABLE link_snippets (
    link_id INTEGER PRIMARY KEY REFERENCES links (id) ON DELETE CASCADE,
    since TIMESTAMP NOT NULL
);
-- The first person's landing dates it, or the link's first unique click
-- when at most 10 came before (store.snippetBounces). Stored times are
-- Go's text form in UTC ("2026-10-08 16:18:50.121 +0000 UTC"), so the
-- hour is the first 13 characters and the text compares as the time.
INSERT INTO link_snippets (link_id, since)
SELECT x.link_id,
    CASE WHEN (SELECT COALESCE(SUM(r.unique_clicks), 0) FROM click_rollups r WHERE r.link_id = x.link_id AND r.hour < x.hour) <= 10
        THEN COALESCE((SELECT MIN(r.hour) FROM click_rollups r WHERE r.link_id = x.link_id AND r.unique_clicks > 0 AND r.hour < x.hour), x.hour)
        ELSE x.hour END
FROM (SELECT k.link_id, substr(MIN(e.at), 1, 13) || ':00:00 +0000 UTC' AS hour
    FROM conversions k JOIN click_events e ON e.click_id = k.click_id
    WHERE k.event = 'landing' AND k.link_id IS NOT NULL AND e.class = 'human'
    GROUP BY k.link_id) x;
