-- Tracked links, click events and their hourly roll-ups, visitor salts,
-- conversions and customers: the measurement backbone of quality and ROI.
-- campaign_id carries no foreign key: a deleted campaign leaves its links
-- and conversions in place for the record, with the id of what it was.
CREATE TABLE links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    code TEXT NOT NULL UNIQUE,
    destination TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    campaign_id INTEGER,
    channel TEXT NOT NULL DEFAULT '',
    post_id INTEGER,
    utm_source TEXT NOT NULL DEFAULT '',
    utm_medium TEXT NOT NULL DEFAULT '',
    utm_campaign TEXT NOT NULL DEFAULT '',
    utm_content TEXT NOT NULL DEFAULT '',
    expires_at TIMESTAMP,
    disabled_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX links_workspace ON links (workspace_id, id);
CREATE INDEX links_campaign ON links (campaign_id);

-- One row per request to /l/{code}. click_id is the cid appended to the
-- destination; the visitor is a daily-salted hash, never a raw IP.
CREATE TABLE click_events (
    -- No AUTOINCREMENT: clicks are only ever added in bulk, and the
    -- sqlite_sequence update it costs per row slows the batch writer.
    id INTEGER PRIMARY KEY,
    click_id TEXT NOT NULL UNIQUE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    link_id INTEGER NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    class TEXT NOT NULL,
    visitor TEXT NOT NULL,
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
CREATE INDEX click_events_link_at ON click_events (link_id, at);
CREATE INDEX click_events_visitor ON click_events (workspace_id, visitor, at);

-- Clicks per link per hour, kept up to date as events are written, so that
-- reports never scan raw events.
CREATE TABLE click_rollups (
    link_id INTEGER NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    hour TIMESTAMP NOT NULL,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    clicks INTEGER NOT NULL DEFAULT 0,
    human_clicks INTEGER NOT NULL DEFAULT 0,
    unique_clicks INTEGER NOT NULL DEFAULT 0,
    effective_clicks INTEGER NOT NULL DEFAULT 0,
    engaged_visits INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (link_id, hour)
);
CREATE INDEX click_rollups_workspace ON click_rollups (workspace_id, hour);

-- The (link, visitor, day) of every unique click: the batch writer claims a
-- key here in the transaction that stores the click, so that a unique click
-- is counted once across restarts and nodes. Days are the workspace's
-- calendar days; rows older than two days are deleted with the salts.
CREATE TABLE click_uniques (
    link_id INTEGER NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    visitor TEXT NOT NULL,
    day TEXT NOT NULL,
    PRIMARY KEY (link_id, visitor, day)
);
CREATE INDEX click_uniques_day ON click_uniques (day);

-- Landing and engaged marks that arrived before their click was written
-- (the batch writer flushes every second): the writer applies and deletes
-- them when it stores the click; marks older than an hour are deleted.
CREATE TABLE click_marks (
    click_id TEXT PRIMARY KEY,
    landed BOOLEAN NOT NULL DEFAULT 0,
    engaged BOOLEAN NOT NULL DEFAULT 0,
    at TIMESTAMP NOT NULL
);

-- Per-workspace link settings: the destination-domain allowlist (one
-- domain a line; empty allows every public http/https destination).
CREATE TABLE link_settings (
    workspace_id INTEGER PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    allowed_domains TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);

-- The daily salt of visitor hashes; salts older than 48 hours are deleted.
CREATE TABLE visitor_salts (
    day TEXT PRIMARY KEY,
    salt TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- The public key that landing-page snippets send with their events.
CREATE TABLE workspace_keys (
    workspace_id INTEGER PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    public_key TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

-- Conversion events from the snippet or a shop's server, attributed to a
-- click (and so to link, channel, post and campaign) where one is known.
CREATE TABLE conversions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    event_id TEXT,
    order_id TEXT,
    click_id TEXT,
    link_id INTEGER REFERENCES links (id) ON DELETE SET NULL,
    campaign_id INTEGER,
    customer_id TEXT,
    value REAL NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX conversions_event_id ON conversions (workspace_id, event_id);
CREATE UNIQUE INDEX conversions_order ON conversions (workspace_id, event, order_id);
CREATE INDEX conversions_workspace_at ON conversions (workspace_id, at);
CREATE INDEX conversions_click ON conversions (click_id);

-- A shop's customer, with the first and last tracked click, so that later
-- purchases without a cid still attribute.
CREATE TABLE customers (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL,
    first_click_id TEXT NOT NULL,
    first_at TIMESTAMP NOT NULL,
    last_click_id TEXT NOT NULL,
    last_at TIMESTAMP NOT NULL,
    PRIMARY KEY (workspace_id, customer_id)
);

-- Added for conversions: the channel of a conversion that carries no click
-- (an inbox inquiry names its campaign and channel), the event's bounded
-- properties as a JSON object, and the customer lookup of attribution.
ALTER TABLE conversions ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE conversions ADD COLUMN props TEXT NOT NULL DEFAULT '{}';
CREATE INDEX conversions_customer ON conversions (workspace_id, customer_id);
