-- A cheaper click batch. A multi-row INSERT that may abort half-way must
-- keep a statement journal, a copy of every page it changes, and SQLite
-- decides it may abort when a row can fail an immediate foreign key or
-- when an index is on an expression (the visitor index was on
-- substr(visitor, 1, 8)). Copying the pages and freeing the copies after
-- every 512 rows was a quarter of a batch's time. So the keys are
-- deferred (checked at commit, which fails the batch as before: the
-- writer leaves deleted links' clicks out first), the writer inserts
-- with OR ROLLBACK (insertAll), and the visitor prefix is a column of
-- its own.
CREATE TABLE click_events_new (
    -- No AUTOINCREMENT: clicks are only ever added in bulk, and the
    -- sqlite_sequence update it costs per row slows the batch writer.
    id INTEGER PRIMARY KEY,
    click_id TEXT NOT NULL UNIQUE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    link_id INTEGER NOT NULL REFERENCES links (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    at TIMESTAMP NOT NULL,
    class TEXT NOT NULL,
    visitor TEXT NOT NULL,
    -- The first 8 characters of visitor (48 bits): attribution finds a
    -- visitor's human clicks by it, in a third of the index space.
    visitor_key TEXT NOT NULL,
    is_unique BOOLEAN NOT NULL DEFAULT 0,
    landed BOOLEAN NOT NULL DEFAULT 0,
    engaged BOOLEAN NOT NULL DEFAULT 0,
    device TEXT NOT NULL DEFAULT '',
    os TEXT NOT NULL DEFAULT '',
    browser TEXT NOT NULL DEFAULT '',
    referrer TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT ''
);
INSERT INTO click_events_new (id, click_id, workspace_id, link_id, at, class, visitor, visitor_key, is_unique, landed,
    engaged, device, os, browser, referrer, country, region)
SELECT id, click_id, workspace_id, link_id, at, class, visitor, substr(visitor, 1, 8), is_unique, landed,
    engaged, device, os, browser, referrer, country, region
FROM click_events;
DROP TABLE click_events;
ALTER TABLE click_events_new RENAME TO click_events;
CREATE INDEX click_events_link_at ON click_events (link_id, at);
CREATE INDEX click_events_visitor ON click_events (visitor_key) WHERE class = 'human';

-- The same for the unique keys the writer claims.
CREATE TABLE click_uniques_new (
    link_id INTEGER NOT NULL REFERENCES links (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    visitor TEXT NOT NULL,
    day TEXT NOT NULL,
    PRIMARY KEY (link_id, visitor, day)
);
INSERT INTO click_uniques_new (link_id, visitor, day) SELECT link_id, visitor, day FROM click_uniques;
DROP TABLE click_uniques;
ALTER TABLE click_uniques_new RENAME TO click_uniques;
CREATE INDEX click_uniques_day ON click_uniques (day);
