-- Browser sign-in (issue 14): sessions, authorization codes, consents,
-- external identity providers and the identities they vouch for.

-- Session lifetimes of each tenant, in nanoseconds like the other
-- lifetimes; 0: the defaults (domain.DefaultSessionIdleTimeout and
-- DefaultSessionMaxAge), which existing tenants get.
ALTER TABLE tenants ADD COLUMN session_idle_timeout_ns {{int}} NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN session_max_age_ns {{int}} NOT NULL DEFAULT 0;

-- What the authorization code flow needs of a client. Existing
-- applications authenticate with their secret and have no redirect URI,
-- so they go on as before and cannot start the flow until an admin adds
-- one. owner is informational: no foreign key, deleting the user who
-- registered an application keeps it.
ALTER TABLE applications ADD COLUMN client_type TEXT NOT NULL DEFAULT 'confidential';
ALTER TABLE applications ADD COLUMN redirect_uris TEXT NOT NULL DEFAULT '[]'; -- JSON array
ALTER TABLE applications ADD COLUMN post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]'; -- JSON array
ALTER TABLE applications ADD COLUMN first_party {{bool}} NOT NULL DEFAULT FALSE;
ALTER TABLE applications ADD COLUMN id_token_signing_alg TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN owner TEXT NOT NULL DEFAULT '';

-- Browser sessions, kept only as the SHA-256 of the cookie value. Every
-- request with a cookie looks one up by hash; the admin API lists a
-- user's; the purge finds them by absolute expiry. Deleting the user (or
-- the tenant) ends their sessions.
CREATE TABLE sessions (
	tenant       {{id}} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id           {{id}} NOT NULL,
	hash         {{blob}} NOT NULL,
	-- NULL: a bootstrap-token session (first-time setup), of no user.
	user_id      {{id}},
	methods      TEXT NOT NULL, -- JSON array
	auth_time    {{time}} NOT NULL,
	created_at   {{time}} NOT NULL,
	last_seen_at {{time}} NOT NULL,
	expires_at   {{time}} NOT NULL,
	PRIMARY KEY (tenant, id),
	FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX sessions_hash ON sessions (tenant, hash);
CREATE INDEX sessions_user ON sessions (tenant, user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Authorization codes, kept only as their SHA-256, for at most a minute;
-- a redeemed one stays until it expires so that a replay is recognised
-- (redeemed_at, and family_id to revoke what it was exchanged for). No
-- foreign key to the user: a code outlives nothing, and the token
-- endpoint checks the user's standing when it redeems one.
CREATE TABLE auth_codes (
	tenant         {{id}} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	hash           {{blob}} NOT NULL,
	client_id      TEXT NOT NULL,
	user_id        TEXT NOT NULL,
	session_id     TEXT NOT NULL,
	redirect_uri   TEXT NOT NULL,
	code_challenge TEXT NOT NULL,
	nonce          TEXT NOT NULL,
	scopes         TEXT NOT NULL, -- JSON array
	resources      TEXT NOT NULL, -- JSON array
	methods        TEXT NOT NULL, -- JSON array
	auth_time      {{time}} NOT NULL,
	created_at     {{time}} NOT NULL,
	expires_at     {{time}} NOT NULL,
	redeemed_at    {{time}},
	family_id      TEXT NOT NULL,
	PRIMARY KEY (tenant, hash)
);
CREATE INDEX auth_codes_expires ON auth_codes (expires_at);

-- The scopes a user granted a third-party client. They go with the user;
-- DeleteApplication drops a client's, found through consents_client, so
-- a later client with the same id does not inherit them.
CREATE TABLE consents (
	tenant     {{id}} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	user_id    {{id}} NOT NULL,
	client_id  {{id}} NOT NULL,
	scopes     TEXT NOT NULL, -- JSON array
	created_at {{time}} NOT NULL,
	updated_at {{time}} NOT NULL,
	PRIMARY KEY (tenant, user_id, client_id),
	FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, id) ON DELETE CASCADE
);
CREATE INDEX consents_client ON consents (tenant, client_id);

-- External OpenID Connect providers. The client secret is sealed with the
-- master key; default_roles names roles of the tenant (refs.go).
CREATE TABLE identity_providers (
	tenant         {{id}} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id             {{id}} NOT NULL,
	display_name   TEXT NOT NULL,
	issuer         TEXT NOT NULL,
	client_id      TEXT NOT NULL,
	sealed_secret  {{blob}} NOT NULL,
	scopes         TEXT NOT NULL, -- JSON array
	username_claim TEXT NOT NULL,
	create_users   {{bool}} NOT NULL,
	default_roles  TEXT NOT NULL, -- JSON array
	enabled        {{bool}} NOT NULL,
	by_operator    {{bool}} NOT NULL,
	created_at     {{time}} NOT NULL,
	updated_at     {{time}} NOT NULL,
	PRIMARY KEY (tenant, id)
);

-- A provider's subject linked to a user. Deleting either deletes the
-- link: a provider created again under the same id may be another issuer,
-- whose subjects must not sign in as the old links' users.
CREATE TABLE federated_identities (
	tenant     {{id}} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	provider   {{id}} NOT NULL,
	subject    TEXT NOT NULL,
	user_id    {{id}} NOT NULL,
	created_at {{time}} NOT NULL,
	PRIMARY KEY (tenant, provider, subject),
	FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, id) ON DELETE CASCADE,
	FOREIGN KEY (tenant, provider) REFERENCES identity_providers (tenant, id) ON DELETE CASCADE
);
-- One link per user and provider: a second subject of the provider that
-- claims a linked user's name is refused, not let in beside the first.
-- The user's cascade finds their links through it too.
CREATE UNIQUE INDEX federated_identities_user ON federated_identities (tenant, user_id, provider);
