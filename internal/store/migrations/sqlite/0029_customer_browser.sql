-- The browser that bound a customer to a click: once bound, an event sent
-- with the public key, which every landing page shows, moves the customer
-- only from that browser (conversion.Customer). A customer bound before
-- gets the browser of the first event that carried a click for them.
ALTER TABLE customers ADD COLUMN browser_id TEXT;
UPDATE customers SET browser_id = (SELECT k.browser_id FROM conversions k
    WHERE k.workspace_id = customers.workspace_id AND k.customer_id = customers.customer_id AND k.click_id IS NOT NULL
    ORDER BY k.id LIMIT 1);
