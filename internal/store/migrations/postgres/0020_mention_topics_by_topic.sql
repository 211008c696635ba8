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
UPDATE mentions m SET topic_ids = t.ids
FROM (SELECT mention_id, string_agg(topic_id::text, ',' ORDER BY topic_id) AS ids FROM mention_topics GROUP BY mention_id) t
WHERE m.id = t.mention_id;

ALTER TABLE mention_topics DROP CONSTRAINT mention_topics_mention_id_fkey;
ALTER TABLE mention_topics DROP CONSTRAINT mention_topics_pkey;
DROP INDEX mention_topics_topic;
ALTER TABLE mention_topics ADD PRIMARY KEY (topic_id, published_at, mention_id);
