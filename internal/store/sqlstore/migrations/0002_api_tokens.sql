-- Personal API tokens (issue 5). The token is kept only as its SHA-256.
-- Deleting the user (or the tenant) deletes their tokens.

CREATE TABLE api_tokens (
	tenant       {{id}} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	user_id      {{id}} NOT NULL,
	id           {{id}} NOT NULL,
	hash         {{blob}} NOT NULL,
	description  TEXT NOT NULL,
	scopes       TEXT NOT NULL, -- JSON array
	expires_at   {{time}},
	last_used_at {{time}},
	created_at   {{time}} NOT NULL,
	PRIMARY KEY (tenant, user_id, id),
	FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, id) ON DELETE CASCADE
);
-- Every authenticated request looks a token up by its hash.
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (tenant, hash);
