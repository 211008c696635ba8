-- The unique keys the click writer claims, keyed by day first: one index
-- instead of the primary key and a day index, a day's keys sit together
-- so a batch dirties today's pages only, and the old days go by a range
-- of the key. No foreign key: link ids are never given again (identity),
-- so a deleted link's keys are harmless and go with their day, two days
-- later.
ALTER TABLE click_uniques DROP CONSTRAINT click_uniques_link_id_fkey;
ALTER TABLE click_uniques DROP CONSTRAINT click_uniques_pkey;
DROP INDEX click_uniques_day;
ALTER TABLE click_uniques ADD PRIMARY KEY (day, link_id, visitor);
