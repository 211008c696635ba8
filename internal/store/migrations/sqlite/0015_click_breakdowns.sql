-- A link's clicks by class, device, os, browser, referrer and region per
-- UTC day, so that its page does not count a busy link's clicks again on
-- every view. A day is filled from the clicks the first time a report
-- asks for it after the day has ended (LinkStats); click_breakdown_days
-- says which days are filled. Clicks of a day never change once it has
-- ended, so neither table is written by the click writer.
CREATE TABLE click_breakdowns (
    link_id BIGINT NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
    clicks BIGINT NOT NULL,
    human_clicks BIGINT NOT NULL,
    PRIMARY KEY (link_id, day, dim, key)
);
CREATE TABLE click_breakdown_days (
    link_id BIGINT NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    PRIMARY KEY (link_id, day)
);
