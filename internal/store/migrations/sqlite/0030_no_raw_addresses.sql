-- Client addresses are no longer stored (METRICS.md says so of visitors,
-- and it holds for people signing in too). Failed sign-ins are keyed by
-- keyed hashes of the client's network and of the e-mail typed: those
-- stored under the old keys, the address and the e-mail as typed, would
-- no longer count and go now (each throttle counts afresh, once). The
-- audit log and the sessions keep the client's network: an IPv4 address
-- is cut to its /24 (203.0.113.77 becomes 203.0.113.0/24); an IPv6 one,
-- which SQL cannot cut to its /48 where it is written with "::", is
-- emptied, as is anything else that is no network.
DELETE FROM sign_in_failures;

UPDATE audit_log SET ip = CASE
    WHEN ip LIKE '%.%.%.%' AND ip NOT LIKE '%:%' THEN rtrim(ip, '0123456789') || '0/24'
    ELSE '' END
WHERE ip <> '' AND ip NOT LIKE '%/%';

UPDATE sessions SET ip = CASE
    WHEN ip LIKE '%.%.%.%' AND ip NOT LIKE '%:%' THEN rtrim(ip, '0123456789') || '0/24'
    ELSE '' END
WHERE ip <> '' AND ip NOT LIKE '%/%';
