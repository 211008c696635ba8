-- The cleanup job deletes the landing marks that waited for their click
-- over an hour, a batch at a time (store.CleanupBatch); without an index
-- each batch read the whole table, which a flood of landings reported for
-- made-up click ids fills.
CREATE INDEX click_marks_at ON click_marks (at);
