-- Listening: topics (query rules), sources and their health, mentions with
-- their repost clusters, topic matches, hourly roll-ups, alert rules and
-- alerts (which are also the in-app notification list).
CREATE TABLE topics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    query TEXT NOT NULL,
    competitor_id INTEGER,
    enabled BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX topics_workspace ON topics (workspace_id, id);

CREATE TABLE sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT '{}',
    enabled BOOLEAN NOT NULL DEFAULT 1,
    poll_seconds INTEGER NOT NULL DEFAULT 900,
    cursor TEXT NOT NULL DEFAULT '',
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    last_success_at TIMESTAMP,
    last_error TEXT NOT NULL DEFAULT '',
    last_error_at TIMESTAMP,
    failures INTEGER NOT NULL DEFAULT 0,
    items_fetched INTEGER NOT NULL DEFAULT 0,
    next_poll_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX sources_due ON sources (enabled, next_poll_at);

-- A mention is one post or comment from outside. Exact duplicates (same
-- source id, or same content hash) are stored once; near-duplicate reposts
-- point at their cluster's first mention, which keeps the count.
CREATE TABLE mentions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    source_id INTEGER REFERENCES sources (id) ON DELETE SET NULL,
    source_kind TEXT NOT NULL,
    external_id TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    author_followers INTEGER NOT NULL DEFAULT 0,
    text TEXT NOT NULL,
    urls TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    simhash INTEGER NOT NULL DEFAULT 0,
    cluster_id INTEGER,
    cluster_size INTEGER NOT NULL DEFAULT 1,
    lang TEXT NOT NULL DEFAULT '',
    sentiment TEXT NOT NULL DEFAULT '',
    p_positive REAL NOT NULL DEFAULT 0,
    p_neutral REAL NOT NULL DEFAULT 0,
    p_negative REAL NOT NULL DEFAULT 0,
    sentiment_corrected BOOLEAN NOT NULL DEFAULT 0,
    likes INTEGER NOT NULL DEFAULT 0,
    reposts INTEGER NOT NULL DEFAULT 0,
    comments INTEGER NOT NULL DEFAULT 0,
    published_at TIMESTAMP NOT NULL,
    fetched_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX mentions_external ON mentions (workspace_id, source_kind, external_id);
CREATE INDEX mentions_hash ON mentions (workspace_id, content_hash);
CREATE INDEX mentions_published ON mentions (workspace_id, published_at);
CREATE INDEX mentions_cluster ON mentions (cluster_id);

CREATE TABLE mention_topics (
    mention_id INTEGER NOT NULL REFERENCES mentions (id) ON DELETE CASCADE,
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    published_at TIMESTAMP NOT NULL,
    PRIMARY KEY (mention_id, topic_id)
);
CREATE INDEX mention_topics_topic ON mention_topics (topic_id, published_at);

-- Mentions per topic per hour, kept up to date as mentions are stored.
CREATE TABLE topic_rollups (
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    hour TIMESTAMP NOT NULL,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    volume INTEGER NOT NULL DEFAULT 0,
    positive INTEGER NOT NULL DEFAULT 0,
    neutral INTEGER NOT NULL DEFAULT 0,
    negative INTEGER NOT NULL DEFAULT 0,
    reach INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (topic_id, hour)
);
CREATE INDEX topic_rollups_workspace ON topic_rollups (workspace_id, hour);

CREATE TABLE alert_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    topic_id INTEGER REFERENCES topics (id) ON DELETE CASCADE,
    threshold REAL NOT NULL,
    quiet_minutes INTEGER NOT NULL DEFAULT 60,
    config TEXT NOT NULL DEFAULT '{}',
    enabled BOOLEAN NOT NULL DEFAULT 1,
    last_fired_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    rule_id INTEGER REFERENCES alert_rules (id) ON DELETE SET NULL,
    topic_id INTEGER REFERENCES topics (id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    value REAL NOT NULL DEFAULT 0,
    baseline REAL NOT NULL DEFAULT 0,
    detail TEXT NOT NULL DEFAULT '{}',
    mention_ids TEXT NOT NULL DEFAULT '[]',
    fired_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX alerts_workspace ON alerts (workspace_id, fired_at);
