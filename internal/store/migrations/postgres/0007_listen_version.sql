-- Every node compiles a workspace's topics into one matcher and keeps it
-- beside the workspace's sentiment model. listen_version counts the
-- changes to either, whichever node or cascade made them, so a node reads
-- one number a batch and uses another node's change at once: a trigger
-- counts topic changes, the store counts a saved model.
ALTER TABLE workspaces ADD COLUMN listen_version BIGINT NOT NULL DEFAULT 0;
CREATE FUNCTION bump_listen_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE workspaces SET listen_version = listen_version + 1
        WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.workspace_id ELSE NEW.workspace_id END;
    RETURN NULL;
END
$$;
CREATE TRIGGER listen_version_topics AFTER INSERT OR UPDATE OR DELETE ON topics
    FOR EACH ROW EXECUTE FUNCTION bump_listen_version();

-- A workspace's own sentiment model, fine-tuned from its labelled
-- examples (chorus listen train), with the held-out scores by which it
-- replaced the model before. Every node reads it from here.
CREATE TABLE sentiment_models (
    workspace_id BIGINT PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    model BYTEA NOT NULL,
    train_rows INTEGER NOT NULL,
    held_out_rows INTEGER NOT NULL,
    macro_f1 DOUBLE PRECISION NOT NULL,
    base_macro_f1 DOUBLE PRECISION NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
