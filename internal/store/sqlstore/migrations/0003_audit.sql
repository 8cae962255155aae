-- Audit events and the statistics counters kept from them (issue 4).
-- No foreign key to tenants: a batch written just after a tenant was
-- deleted must not fail as a whole; retention purges such rows.

CREATE TABLE audit_events (
	id          {{seq}},
	tenant      {{id}} NOT NULL,
	at          {{time}} NOT NULL,
	action      TEXT NOT NULL,
	grant_type  TEXT NOT NULL,
	outcome     TEXT NOT NULL,
	reason      TEXT NOT NULL,
	client_id   TEXT NOT NULL,
	user_id     TEXT NOT NULL,
	target      TEXT NOT NULL,
	remote_addr TEXT NOT NULL,
	request_id  TEXT NOT NULL
);
-- Listing is per tenant, newest first, paged on (at, id); retention by at.
CREATE INDEX audit_events_tenant_at ON audit_events (tenant, at, id);
CREATE INDEX audit_events_at ON audit_events (at);

-- Issued tokens per UTC hour (unix seconds of its start), grant and
-- application, so a year of charts reads at most 8,760 rows per series.
CREATE TABLE token_counts (
	tenant     {{id}} NOT NULL,
	hour       {{int}} NOT NULL,
	grant_type TEXT NOT NULL,
	client_id  {{id}} NOT NULL,
	n          {{int}} NOT NULL,
	PRIMARY KEY (tenant, hour, grant_type, client_id)
);

-- Distinct users who obtained tokens through an application with a user
-- grant (password, embed).
CREATE TABLE app_users (
	tenant     {{id}} NOT NULL,
	client_id  {{id}} NOT NULL,
	user_id    {{id}} NOT NULL,
	first_seen {{time}} NOT NULL,
	PRIMARY KEY (tenant, client_id, user_id)
);
