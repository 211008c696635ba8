-- A mention is stored once per normalized text in a workspace. Each node
-- looks the texts of a batch up before it stores them, so two nodes that
-- take the same text (under different ids) at the same moment could both
-- store it; a unique index turns the second into a conflict, after which
-- that node looks its batch up again and counts the text as a duplicate.
-- Texts stored twice before keep their rows (roll-ups count them), with
-- their content hash marked so that the index can be made.
UPDATE mentions SET content_hash = content_hash || ':dup:' || id
    WHERE id NOT IN (SELECT MIN(id) FROM mentions GROUP BY workspace_id, content_hash);
DROP INDEX mentions_hash;
CREATE UNIQUE INDEX mentions_hash ON mentions (workspace_id, content_hash);
