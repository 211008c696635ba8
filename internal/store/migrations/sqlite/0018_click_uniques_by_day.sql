-- The unique keys the click writer claims, keyed by day first and kept
-- in one B-tree (WITHOUT ROWID), instead of a rowid table, its primary
-- key and a day index: three inserts a unique click became one, and a
-- day's keys sit together, so a batch dirties today's pages only and the
-- old days go by a range delete. No foreign key: link ids are never
-- given again (AUTOINCREMENT), so a deleted link's keys are harmless and
-- go with their day, two days later.
CREATE TABLE click_uniques_new (
    day TEXT NOT NULL,
    link_id INTEGER NOT NULL,
    visitor TEXT NOT NULL,
    PRIMARY KEY (day, link_id, visitor)
) WITHOUT ROWID;
INSERT INTO click_uniques_new (day, link_id, visitor) SELECT day, link_id, visitor FROM click_uniques;
DROP TABLE click_uniques;
ALTER TABLE click_uniques_new RENAME TO click_uniques;
