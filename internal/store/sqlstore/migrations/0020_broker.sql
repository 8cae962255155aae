-- Token broker (issue 16): upstream token endpoints of a tenant and the
-- token last obtained from each, shared by every node.

-- A provider's secrets are sealed with the master key (Tollgate must send
-- them); allowed_roles names roles of the tenant (refs.go). "default" is
-- a reserved word, hence is_default.
CREATE TABLE broker_providers (
	tenant                {{id}} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id                    {{id}} NOT NULL,
	token_url             TEXT NOT NULL,
	upstream_tenant       TEXT NOT NULL,
	grant_type            TEXT NOT NULL,
	client_id             TEXT NOT NULL,
	sealed_client_secret  {{blob}},
	username              TEXT NOT NULL,
	sealed_password       {{blob}},
	resource              TEXT NOT NULL,
	scopes                TEXT NOT NULL, -- JSON array
	allowed_roles         TEXT NOT NULL, -- JSON array
	refresh_before_ns     {{int}} NOT NULL,
	is_default            {{bool}} NOT NULL,
	by_operator           {{bool}} NOT NULL,
	created_at            {{time}} NOT NULL,
	updated_at            {{time}} NOT NULL,
	PRIMARY KEY (tenant, id)
);
-- At most one default per tenant: the store moves the flag in one
-- transaction, and this index refuses whatever would leave two.
CREATE UNIQUE INDEX broker_providers_default ON broker_providers (tenant) WHERE is_default;

-- The upstream token last obtained per provider, sealed, and the refresh
-- lease: the node that holds an unexpired lease_until calls the upstream
-- while the others wait for its token. A row may hold a lease and no
-- token yet (sealed NULL: the first refresh). It goes with its provider.
CREATE TABLE broker_tokens (
	tenant              {{id}} NOT NULL,
	provider            {{id}} NOT NULL,
	sealed              {{blob}},
	expires_at          {{time}},
	resource            TEXT NOT NULL DEFAULT '',
	obtained_at         {{time}},
	provider_updated_at {{time}},
	lease_until         {{time}},
	PRIMARY KEY (tenant, provider),
	FOREIGN KEY (tenant, provider) REFERENCES broker_providers (tenant, id) ON DELETE CASCADE
);
