-- As SQLite's 0030: attribution joins conversions to themselves on
-- customer_id (touchQueries); most events carry no customer id, so the
-- index holds only those naming a customer and a click, and the click,
-- which the lookup then needs from the index alone.
DROP INDEX conversions_customer;
CREATE INDEX conversions_customer ON conversions (workspace_id, customer_id, click_id)
WHERE customer_id IS NOT NULL AND click_id IS NOT NULL;
