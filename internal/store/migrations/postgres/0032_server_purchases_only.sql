-- A workspace may count only the purchases its shop's server reports (with
-- an API token): the public key is on every landing page, and anyone who
-- reads it could report purchases of any amount.
ALTER TABLE workspace_keys ADD COLUMN server_purchases_only BOOLEAN NOT NULL DEFAULT FALSE;
