-- Embed-secret authentication (issue 6). One row per tenant; the secret is
-- sealed with the master key because the signed form needs it in clear.

CREATE TABLE embed_settings (
	tenant               {{id}} PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
	enabled              {{bool}} NOT NULL,
	sealed_secret        {{blob}} NOT NULL,
	scopes               TEXT NOT NULL, -- JSON array
	access_token_ttl_ns  {{int}} NOT NULL,
	refresh_token_ttl_ns {{int}} NOT NULL,
	updated_at           {{time}} NOT NULL
);

-- Nonces of signed embed requests, each accepted once. A row lives until
-- the request's timestamp window has passed; then the nonce could not be
-- replayed anyway (the timestamp would be refused) and DeleteExpired drops it.
CREATE TABLE embed_nonces (
	tenant     {{id}} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	nonce      TEXT NOT NULL,
	expires_at {{time}} NOT NULL,
	PRIMARY KEY (tenant, nonce)
);
CREATE INDEX embed_nonces_expires ON embed_nonces (expires_at);
