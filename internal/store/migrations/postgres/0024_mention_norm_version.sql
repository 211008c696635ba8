-- The version of the text normalization (listen.NormVersion) each
-- mention's content hash and SimHash were made with. Mentions stored
-- before it was recorded are version 1, as are those an older Chorus
-- stores while nodes are upgraded one by one (it does not write the
-- column). The re-hash job finds the mentions of an older version by
-- the index, which new mentions join at its end (they all carry the
-- current version), and makes their hashes anew, so that the same text
-- arriving again is known as a duplicate.
ALTER TABLE mentions ADD COLUMN norm_version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX mentions_norm_version ON mentions (norm_version, id);
