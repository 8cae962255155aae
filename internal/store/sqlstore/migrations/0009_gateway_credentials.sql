-- Gateway credentials (issue 12): remote gateways read the gateway feed
-- with one of these instead of the bootstrap token. They span tenants, so
-- the table has no tenant column. The credential is kept only as its SHA-256.
CREATE TABLE gateway_credentials (
	id          {{id}} PRIMARY KEY,
	hash        {{blob}} NOT NULL,
	description TEXT NOT NULL,
	created_at  {{time}} NOT NULL
);
-- Every feed request looks its credential up by hash.
CREATE UNIQUE INDEX gateway_credentials_hash ON gateway_credentials (hash);
