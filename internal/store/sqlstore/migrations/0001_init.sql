-- Placeholders in {{…}} are replaced per dialect (see migrate.go).
-- Every tenant table carries tenant in its primary key and cascades from
-- tenants, so DeleteTenant is one statement.

CREATE TABLE tenants (
	id         {{id}} PRIMARY KEY,
	name       TEXT NOT NULL,
	created_at {{time}} NOT NULL
);

CREATE TABLE scopes (
	tenant      {{id}} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id          {{id}} NOT NULL,
	description TEXT NOT NULL,
	PRIMARY KEY (tenant, id)
);

CREATE TABLE roles (
	tenant {{id}} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id     {{id}} NOT NULL,
	scopes TEXT NOT NULL, -- JSON array
	PRIMARY KEY (tenant, id)
);

CREATE TABLE users (
	tenant        {{id}} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id            {{id}} NOT NULL,
	email         TEXT NOT NULL,
	display_name  TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	roles         TEXT NOT NULL, -- JSON array
	source        TEXT NOT NULL,
	disabled      {{bool}} NOT NULL,
	created_at    {{time}} NOT NULL,
	updated_at    {{time}} NOT NULL,
	PRIMARY KEY (tenant, id)
);

CREATE TABLE applications (
	tenant              {{id}} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id                  {{id}} NOT NULL,
	name                TEXT NOT NULL,
	secret_hash         {{blob}} NOT NULL,
	grant_types         TEXT NOT NULL, -- JSON array
	scopes              TEXT NOT NULL, -- JSON array
	default_scopes      TEXT NOT NULL, -- JSON array
	access_token_ttl_ns  {{int}} NOT NULL,
	refresh_token_ttl_ns {{int}} NOT NULL,
	created_at          {{time}} NOT NULL,
	updated_at          {{time}} NOT NULL,
	PRIMARY KEY (tenant, id)
);

CREATE TABLE refresh_tokens (
	tenant     {{id}} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	hash       {{blob}} NOT NULL,
	family_id  TEXT NOT NULL,
	client_id  TEXT NOT NULL,
	subject    TEXT NOT NULL,
	scopes     TEXT NOT NULL, -- JSON array
	audience   TEXT NOT NULL, -- JSON array
	expires_at {{time}} NOT NULL,
	created_at {{time}} NOT NULL,
	rotated_at {{time}},
	revoked_at {{time}},
	PRIMARY KEY (tenant, hash)
);
-- Family revocation and reuse detection look up by family; cleanup by expiry.
CREATE INDEX refresh_tokens_family ON refresh_tokens (tenant, family_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);

CREATE TABLE revocations (
	seq        {{seq}},
	tenant     {{id}} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	value      TEXT NOT NULL,
	expires_at {{time}} NOT NULL
);
CREATE INDEX revocations_expires ON revocations (expires_at);

CREATE TABLE signing_keys (
	tenant        {{id}} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id            {{id}} NOT NULL,
	algorithm     TEXT NOT NULL,
	public_key    {{blob}} NOT NULL,
	private_key   {{blob}} NOT NULL,
	created_at    {{time}} NOT NULL,
	retired_at    {{time}},
	publish_until {{time}},
	PRIMARY KEY (tenant, id)
);

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
