-- Every node compiles a workspace's topics into one matcher and keeps it
-- beside the workspace's sentiment model. listen_version counts the
-- changes to either, whichever node or cascade made them, so a node reads
-- one number a batch and uses another node's change at once: triggers
-- count topic changes, the store counts a saved model.
ALTER TABLE workspaces ADD COLUMN listen_version INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER listen_version_topic_insert AFTER INSERT ON topics BEGIN
    UPDATE workspaces SET listen_version = listen_version + 1 WHERE id = NEW.workspace_id;
END;
CREATE TRIGGER listen_version_topic_update AFTER UPDATE ON topics BEGIN
    UPDATE workspaces SET listen_version = listen_version + 1 WHERE id = NEW.workspace_id;
END;
CREATE TRIGGER listen_version_topic_delete AFTER DELETE ON topics BEGIN
    UPDATE workspaces SET listen_version = listen_version + 1 WHERE id = OLD.workspace_id;
END;

-- A workspace's own sentiment model, fine-tuned from its labelled
-- examples (chorus listen train), with the held-out scores by which it
-- replaced the model before. Every node reads it from here.
CREATE TABLE sentiment_models (
    workspace_id INTEGER PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    model BLOB NOT NULL,
    train_rows INTEGER NOT NULL,
    held_out_rows INTEGER NOT NULL,
    macro_f1 REAL NOT NULL,
    base_macro_f1 REAL NOT NULL,
    created_at TIMESTAMP NOT NULL
);
