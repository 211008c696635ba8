-- A failed poll's message key and arguments beside its English text, so
-- that the sources' health reads in the UI's language.
ALTER TABLE sources ADD COLUMN last_error_key TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN last_error_args TEXT NOT NULL DEFAULT '';
