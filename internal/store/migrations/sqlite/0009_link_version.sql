-- Every node answers redirects from its own cache of links. link_version
-- counts the changes and deletions of links, whichever node or cascade
-- made them, so that a node reads one number a second and refreshes its
-- cache when another node disabled, changed or deleted a link.
CREATE TABLE link_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO link_version (id, version) VALUES (1, 0);
CREATE TRIGGER link_version_update AFTER UPDATE ON links BEGIN
    UPDATE link_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER link_version_delete AFTER DELETE ON links BEGIN
    UPDATE link_version SET version = version + 1 WHERE id = 1;
END;
