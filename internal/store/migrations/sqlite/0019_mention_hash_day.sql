-- A mention's content hash starts with its UTC day of publication
-- (listen.ContentHash): the unique index then takes today's new keys
-- on a few pages at its end instead of a random page for each, which
-- dirtied pages across an index that grows every day (bench listen,
-- 500,000 posts: 24.5k → 29k posts/s). Stored hashes get the prefix of
-- their own day, which is the key the same post is looked up by.
-- published_at is stored as Go writes a UTC time ("2026-11-20 15:30:00.1
-- +0000 UTC"), which SQLite's date functions do not read.
UPDATE mentions SET content_hash = replace(substr(published_at, 1, 10), '-', '') || content_hash WHERE length(content_hash) = 16;
