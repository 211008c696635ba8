-- Addresses invited into a workspace by a member who manages members,
-- and not yet joined: the person joins with the role when they next use
-- Chorus with an account of that address. A member who is no operator
-- adds people only so, and learns nothing of which addresses have
-- accounts.
CREATE TABLE invitations (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (workspace_id, email)
);
CREATE INDEX invitations_email ON invitations (email);
