-- Ending a user's other sessions (a password change, "sign out everywhere
-- else") and an operator's reset find them by user.
CREATE INDEX sessions_user ON sessions (user_id);
