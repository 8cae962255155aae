-- The developer portal lists the applications a user owns (issue 15):
-- this index finds them, by client id, without reading the tenant's
-- other applications. It also makes owner more than informational: a
-- user-owned client is limited to what its owner holds (package oauth).
CREATE INDEX applications_owner ON applications (tenant, owner, id);
