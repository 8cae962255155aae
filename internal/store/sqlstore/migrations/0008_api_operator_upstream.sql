-- Gateway isolation (issue 12): whether the operator (bootstrap token)
-- set an API's upstream. Only then may the gateway dial a loopback or
-- private address that is not on --gateway-allow-upstream. Existing APIs
-- get FALSE: who set their upstream is not known, so they follow the
-- tenant admin's rule until the operator saves the upstream again.
ALTER TABLE apis ADD COLUMN operator_upstream {{bool}} NOT NULL DEFAULT FALSE;
