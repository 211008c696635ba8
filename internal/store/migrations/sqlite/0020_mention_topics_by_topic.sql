-- A topic match is one entry of one B-tree, keyed by topic and time,
-- where it was two (the table by mention and an index by topic): bench
-- listen stores 2.6 matches a post, and each B-tree insert costs about as
-- much as the rest of the post's row. What was looked up by mention (a
-- mention's topics on the mentions and alerts pages, a sentiment
-- correction's roll-ups) reads the mention's own topic_ids ("3,17"),
-- written with it; ids of topics deleted since are left out on reading
-- (topic ids are never given again). The reference to mentions goes: it
-- needed the index by mention for a deleted mention's matches, and
-- mentions are only deleted with their workspace, whose reference
-- remains.
ALTER TABLE mentions ADD COLUMN topic_ids TEXT NOT NULL DEFAULT '';
UPDATE mentions SET topic_ids = (SELECT group_concat(topic_id, ',') FROM mention_topics WHERE mention_id = mentions.id)
WHERE id IN (SELECT mention_id FROM mention_topics);

CREATE TABLE mention_topics_new (
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    published_at TIMESTAMP NOT NULL,
    mention_id INTEGER NOT NULL,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (topic_id, published_at, mention_id)
) WITHOUT ROWID;
INSERT INTO mention_topics_new (topic_id, published_at, mention_id, workspace_id)
    SELECT topic_id, published_at, mention_id, workspace_id FROM mention_topics;
DROP TABLE mention_topics;
ALTER TABLE mention_topics_new RENAME TO mention_topics;
