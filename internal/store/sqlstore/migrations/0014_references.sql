-- Role and scope references enforced (issue 13, item 7). Users' roles,
-- roles' and applications' scopes and API resources' scopes stay JSON
-- lists; from now on every write checks the names inside its transaction
-- (refs.go). This migration's Go step (refs_migrate.go) repairs the names
-- that already dangle, in the same transaction, after this script:
-- a user's, role's or application's name of a role or scope that no
-- longer exists is dropped, as a forced delete would have done (a role
-- and an application that both still held a deleted scope granted it);
-- a scope an API resource requires is created again instead, since
-- dropping it would let every token through. Each repair is recorded here.
CREATE TABLE reference_repairs (
	tenant    {{id}} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	holder    TEXT NOT NULL, -- user, role, application or api
	holder_id {{id}} NOT NULL,
	name      TEXT NOT NULL, -- the role or scope it named
	action    TEXT NOT NULL, -- dropped, or scope recreated
	PRIMARY KEY (tenant, holder, holder_id, name)
);
