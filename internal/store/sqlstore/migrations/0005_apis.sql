-- APIs published through the gateway (issue 7). The context is unique
-- across tenants: the gateway finds an API by its context alone.
CREATE TABLE apis (
	tenant     {{id}} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id         {{id}} NOT NULL,
	context    TEXT NOT NULL,
	upstream   TEXT NOT NULL,
	resources  TEXT NOT NULL, -- JSON array of {method, path, scopes, public}
	created_at {{time}} NOT NULL,
	updated_at {{time}} NOT NULL,
	PRIMARY KEY (tenant, id)
);
CREATE UNIQUE INDEX apis_context ON apis (context);
