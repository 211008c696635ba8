-- Failed sign-ins, by "ip:<address>" and "user:<e-mail>", kept in the
-- database so that every node throttles on the same count; the cleanup job
-- deletes them a day later.
CREATE TABLE sign_in_failures (
    key TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sign_in_failures_key ON sign_in_failures (key, at);
CREATE INDEX sign_in_failures_at ON sign_in_failures (at);
