-- Sign-in (issue 12). On the default tenant's paths the tenant follows the
-- client, so a client id must name one application across all tenants.
-- Ids are 130 random bits (token.NewClientID), so existing data holds no
-- duplicates; should a hand-made row collide, this migration fails and says
-- so rather than guess which tenant the id belongs to.
CREATE UNIQUE INDEX applications_client_id ON applications (id);

-- Failed sign-in counters shared by all nodes (package throttle). A row is
-- a username at an address (all three set), a username at every address
-- (addr ''), or an address across tenants and usernames (tenant and
-- username ''); hence no foreign key to tenants. Rows expire a window
-- after their last failure and DeleteExpired drops them.
CREATE TABLE login_failures (
	tenant     TEXT NOT NULL,
	username   TEXT NOT NULL,
	addr       TEXT NOT NULL,
	failures   {{int}} NOT NULL,
	last_at    {{time}} NOT NULL,
	expires_at {{time}} NOT NULL,
	PRIMARY KEY (tenant, username, addr)
);
CREATE INDEX login_failures_expires ON login_failures (expires_at);
