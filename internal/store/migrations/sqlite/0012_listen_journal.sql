-- Mentions and topic matches are written in bulk too: their foreign keys
-- are deferred, as the clicks' are (0011), so that a multi-row INSERT
-- needs no statement journal. SQLite cannot change a constraint in place,
-- so both tables are built anew. The topic matches are built first,
-- referring to the new mentions table: dropping the old mentions then
-- cascades to nothing, and the rename carries the reference along.
CREATE TABLE mentions_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    source_id INTEGER REFERENCES sources (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    source_kind TEXT NOT NULL,
    external_id TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    author_followers INTEGER NOT NULL DEFAULT 0,
    text TEXT NOT NULL,
    urls TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    simhash INTEGER NOT NULL DEFAULT 0,
    cluster_id INTEGER,
    cluster_size INTEGER NOT NULL DEFAULT 1,
    lang TEXT NOT NULL DEFAULT '',
    sentiment TEXT NOT NULL DEFAULT '',
    p_positive REAL NOT NULL DEFAULT 0,
    p_neutral REAL NOT NULL DEFAULT 0,
    p_negative REAL NOT NULL DEFAULT 0,
    sentiment_corrected BOOLEAN NOT NULL DEFAULT 0,
    likes INTEGER NOT NULL DEFAULT 0,
    reposts INTEGER NOT NULL DEFAULT 0,
    comments INTEGER NOT NULL DEFAULT 0,
    published_at TIMESTAMP NOT NULL,
    fetched_at TIMESTAMP NOT NULL
);
INSERT INTO mentions_new SELECT id, workspace_id, source_id, source_kind, external_id, url, author, author_followers, text,
    urls, content_hash, simhash, cluster_id, cluster_size, lang, sentiment, p_positive, p_neutral, p_negative,
    sentiment_corrected, likes, reposts, comments, published_at, fetched_at
FROM mentions;
-- Ids of deleted mentions are never given again (newMentionIDs).
DELETE FROM sqlite_sequence WHERE name = 'mentions_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'mentions_new', seq FROM sqlite_sequence WHERE name = 'mentions';

CREATE TABLE mention_topics_new (
    mention_id INTEGER NOT NULL REFERENCES mentions_new (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    published_at TIMESTAMP NOT NULL,
    PRIMARY KEY (mention_id, topic_id)
) WITHOUT ROWID;
INSERT INTO mention_topics_new (mention_id, topic_id, workspace_id, published_at)
    SELECT mention_id, topic_id, workspace_id, published_at FROM mention_topics;

DROP TABLE mention_topics;
DROP TABLE mentions;
ALTER TABLE mentions_new RENAME TO mentions;
ALTER TABLE mention_topics_new RENAME TO mention_topics;
CREATE UNIQUE INDEX mentions_external ON mentions (workspace_id, source_kind, external_id);
CREATE UNIQUE INDEX mentions_hash ON mentions (workspace_id, content_hash);
CREATE INDEX mentions_published ON mentions (workspace_id, published_at);
CREATE INDEX mention_topics_topic ON mention_topics (topic_id, published_at);
