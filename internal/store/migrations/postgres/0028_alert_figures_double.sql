-- Alert thresholds, values and baselines in double precision, as SQLite
-- keeps every REAL: single precision read 0.15 back as 0.15000000596046448,
-- which the API showed and the evaluation compared with. A stored value
-- keeps the decimal it was typed or rounded to: a single-precision number
-- printed shortest (extra_float_digits above 0) is that decimal.
SET LOCAL extra_float_digits = 1;
ALTER TABLE alert_rules ALTER COLUMN threshold TYPE DOUBLE PRECISION USING threshold::text::double precision;
ALTER TABLE alerts
    ALTER COLUMN value TYPE DOUBLE PRECISION USING value::text::double precision,
    ALTER COLUMN baseline TYPE DOUBLE PRECISION USING baseline::text::double precision;
