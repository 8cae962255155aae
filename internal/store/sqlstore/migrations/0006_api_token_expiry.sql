-- API-token lifetime: a per-tenant cap and the purge of long-expired tokens.

-- The longest lifetime a new API token of the tenant may have, in
-- nanoseconds like the other lifetimes; 0: no cap. Existing tenants get 0,
-- so an upgrade changes nothing until an admin sets a cap.
ALTER TABLE tenants ADD COLUMN api_token_max_ttl_ns {{int}} NOT NULL DEFAULT 0;

-- DeleteExpired finds expired tokens by expiry across tenants. Tokens
-- without expiry (NULL) never match the purge.
CREATE INDEX api_tokens_expires ON api_tokens (expires_at);
