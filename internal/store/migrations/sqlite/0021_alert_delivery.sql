-- An alert's deliveries to chat robots and e-mail are tried again until
-- each channel has taken it or the tries run out, by whichever node's
-- delivery job comes first: delivery_due_at is when the next try is due
-- (NULL when nothing is left to do), delivery_attempts how many were made.
ALTER TABLE alerts ADD COLUMN delivery_due_at TIMESTAMP;
ALTER TABLE alerts ADD COLUMN delivery_attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX alerts_delivery_due ON alerts (delivery_due_at) WHERE delivery_due_at IS NOT NULL;
