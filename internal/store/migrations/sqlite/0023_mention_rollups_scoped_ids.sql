-- Mentions per workspace, hour and set of matched topics (the mention's
-- topic_ids, "3,17"), kept up to date as mentions are stored. Figures
-- over several topics (all of them for a spike rule, the brand's, a
-- competitor's) count each mention once from these rows: the topic
-- roll-ups count a mention of two topics twice, and counting the
-- mentions themselves reads every row of the period. Deleted topics and
-- topic kinds are left to the reader, which keeps the sets that hold a
-- topic it counts.
CREATE TABLE mention_rollups (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    hour TIMESTAMP NOT NULL,
    topic_ids TEXT NOT NULL,
    volume INTEGER NOT NULL DEFAULT 0,
    positive INTEGER NOT NULL DEFAULT 0,
    neutral INTEGER NOT NULL DEFAULT 0,
    negative INTEGER NOT NULL DEFAULT 0,
    reach INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, hour, topic_ids)
) WITHOUT ROWID;
-- Stored times are Go's text form in UTC ("2026-10-08 16:18:50.121 +0000
-- UTC"): the hour is the first 13 characters, written as Go writes a
-- whole hour.
INSERT INTO mention_rollups (workspace_id, hour, topic_ids, volume, positive, neutral, negative, reach)
SELECT workspace_id, substr(published_at, 1, 13) || ':00:00 +0000 UTC', topic_ids, COUNT(*),
    SUM(CASE WHEN sentiment = 'positive' THEN 1 ELSE 0 END),
    SUM(CASE WHEN sentiment = 'neutral' THEN 1 ELSE 0 END),
    SUM(CASE WHEN sentiment = 'negative' THEN 1 ELSE 0 END),
    SUM(author_followers)
FROM mentions WHERE topic_ids <> ''
GROUP BY workspace_id, substr(published_at, 1, 13), topic_ids;

-- Pushed and imported mentions (kinds webhook, import, other) stored
-- before ids were scoped by their source keep the pusher's bare number
-- ("1"), which the pipeline looked up in every source: an old post of
-- one source hid another source's post numbered alike. Each row names its
-- source, so its id is scoped as the pipeline scopes it now (listen.ScopedID,
-- "s12:1"). Left as they are: rows whose source is gone (no source pushes
-- them again), rows pushed without a source (looked up bare), ids made
-- from the content ("h:…") and ids scoped already, or whose scoped form
-- is taken.
UPDATE mentions SET external_id = 's' || source_id || ':' || external_id
WHERE source_kind IN ('webhook', 'import', 'other') AND source_id IS NOT NULL
    AND substr(external_id, 1, 2) <> 'h:'
    AND substr(external_id, 1, length('s' || source_id || ':')) <> 's' || source_id || ':'
    AND NOT EXISTS (SELECT 1 FROM mentions o WHERE o.workspace_id = mentions.workspace_id
        AND o.source_kind = mentions.source_kind AND o.external_id = 's' || mentions.source_id || ':' || mentions.external_id);
