-- Counts within the bounds posts have been held to on the way in since
-- (listen.MaxCount, ten billion: likes, reposts, comments, followers),
-- and roll-ups' reach within 0 and volume times that bound. A mention
-- stored before could hold a count near the largest integer, and a
-- roll-up the sum of several: adding a late mention's followers to such
-- a roll-up overflowed (an error that failed the whole batch on
-- PostgreSQL, a real number on SQLite that failed every read of the
-- hour). Reads bound them too (boundedCount, boundedReach); this keeps
-- the writes that add to them from overflowing.
UPDATE mentions SET
    author_followers = CASE WHEN author_followers > 10000000000 THEN 10000000000 WHEN author_followers < 0 THEN 0 ELSE author_followers END,
    likes = CASE WHEN likes > 10000000000 THEN 10000000000 WHEN likes < 0 THEN 0 ELSE likes END,
    reposts = CASE WHEN reposts > 10000000000 THEN 10000000000 WHEN reposts < 0 THEN 0 ELSE reposts END,
    comments = CASE WHEN comments > 10000000000 THEN 10000000000 WHEN comments < 0 THEN 0 ELSE comments END
WHERE author_followers > 10000000000 OR author_followers < 0 OR likes > 10000000000 OR likes < 0
    OR reposts > 10000000000 OR reposts < 0 OR comments > 10000000000 OR comments < 0;
UPDATE topic_rollups SET reach = CASE WHEN reach < 0 THEN 0 ELSE volume * 10000000000 END
WHERE reach > volume * 10000000000 OR reach < 0;
UPDATE mention_rollups SET reach = CASE WHEN reach < 0 THEN 0 ELSE volume * 10000000000 END
WHERE reach > volume * 10000000000 OR reach < 0;
