-- Listening stores each mention once and each topic match once, and adds
-- to one roll-up row per topic and hour: every index on these tables is
-- one more B-tree insert per row on the hottest write path.
--
-- No query looks mentions up by cluster id (cluster roots are read by
-- workspace and time, with cluster_id IS NULL as a filter).
DROP INDEX mentions_cluster;

-- Topic matches and roll-ups are small rows found by their primary key:
-- kept in primary-key order (WITHOUT ROWID) they need one B-tree, not two.
-- Roll-ups are read by topic and hour (all topics of a workspace through
-- the topics table), so the index by workspace goes.
CREATE TABLE mention_topics_new (
    mention_id INTEGER NOT NULL REFERENCES mentions (id) ON DELETE CASCADE,
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    published_at TIMESTAMP NOT NULL,
    PRIMARY KEY (mention_id, topic_id)
) WITHOUT ROWID;
INSERT INTO mention_topics_new (mention_id, topic_id, workspace_id, published_at)
    SELECT mention_id, topic_id, workspace_id, published_at FROM mention_topics;
DROP TABLE mention_topics;
ALTER TABLE mention_topics_new RENAME TO mention_topics;
CREATE INDEX mention_topics_topic ON mention_topics (topic_id, published_at);

CREATE TABLE topic_rollups_new (
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    hour TIMESTAMP NOT NULL,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    volume INTEGER NOT NULL DEFAULT 0,
    positive INTEGER NOT NULL DEFAULT 0,
    neutral INTEGER NOT NULL DEFAULT 0,
    negative INTEGER NOT NULL DEFAULT 0,
    reach INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (topic_id, hour)
) WITHOUT ROWID;
INSERT INTO topic_rollups_new (topic_id, hour, workspace_id, volume, positive, neutral, negative, reach)
    SELECT topic_id, hour, workspace_id, volume, positive, neutral, negative, reach FROM topic_rollups;
DROP TABLE topic_rollups;
ALTER TABLE topic_rollups_new RENAME TO topic_rollups;
