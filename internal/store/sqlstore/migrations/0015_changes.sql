-- The change feed: every admin write appends one row in its transaction,
-- and nodes and remote gateways follow it by seq to drop what they cached.
-- No foreign key to tenants: the deletion of a tenant is itself a change
-- that must outlive the tenant.
CREATE TABLE changes (
	seq    {{seq}},
	tenant TEXT NOT NULL,
	entity TEXT NOT NULL,
	id     TEXT NOT NULL,
	at     {{time}} NOT NULL
);
CREATE INDEX changes_at ON changes (at);
