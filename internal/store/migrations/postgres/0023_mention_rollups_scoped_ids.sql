-- Mentions per workspace, hour and set of matched topics (the mention's
-- topic_ids, "3,17"), kept up to date as mentions are stored. Figures
-- over several topics (all of them for a spike rule, the brand's, a
-- competitor's) count each mention once from these rows: the topic
-- roll-ups count a mention of two topics twice, and counting the
-- mentions themselves reads every row of the period. Deleted topics and
-- topic kinds are left to the reader, which keeps the sets that hold a
-- topic it counts.
CREATE TABLE mention_rollups (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    hour TIMESTAMPTZ NOT NULL,
    topic_ids TEXT NOT NULL,
    volume BIGINT NOT NULL DEFAULT 0,
    positive BIGINT NOT NULL DEFAULT 0,
    neutral BIGINT NOT NULL DEFAULT 0,
    negative BIGINT NOT NULL DEFAULT 0,
    reach BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, hour, topic_ids)
);
INSERT INTO mention_rollups (workspace_id, hour, topic_ids, volume, positive, neutral, negative, reach)
SELECT workspace_id, date_trunc('hour', published_at, 'UTC'), topic_ids, COUNT(*),
    SUM(CASE WHEN sentiment = 'positive' THEN 1 ELSE 0 END),
    SUM(CASE WHEN sentiment = 'neutral' THEN 1 ELSE 0 END),
    SUM(CASE WHEN sentiment = 'negative' THEN 1 ELSE 0 END),
    SUM(author_followers)
FROM mentions WHERE topic_ids <> ''
GROUP BY 1, 2, 3;
