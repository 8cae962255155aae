-- Usernames in their PRECIS form, imported hashes remembered, and the
-- embed application's new client id (issue 12, items 12, 14 and 15).
-- The usernames themselves are normalised by this migration's Go step
-- (usernames.go), in the same transaction, after this script.

-- ImportedHashKey of the password hash an import last wrote; a sign-in
-- that upgrades the hash keeps it, so importing the same file again is
-- no change.
ALTER TABLE users ADD COLUMN imported_hash TEXT NOT NULL DEFAULT '';

-- Users whose id the Go step left as it was: their PRECIS form is taken
-- by another user (a lookalike: "John" beside "john"), or PRECIS refuses
-- the name (a zero-width space). Nothing is merged; an operator resolves
-- each by deleting or re-creating one of them (README "Usernames").
CREATE TABLE username_conflicts (
	tenant     {{id}} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	user_id    {{id}} NOT NULL,
	normalized TEXT NOT NULL, -- '' when PRECIS refuses the name
	reason     TEXT NOT NULL,
	PRIMARY KEY (tenant, user_id)
);

-- The embed application was tollgate:embed, which HTTP Basic cannot
-- carry. Its refresh tokens, audit events and statistics move to the new
-- id, so tokens keep refreshing and charts keep one series. Generated
-- client ids are upper-case base32, so no row has the new id yet.
UPDATE refresh_tokens SET client_id = 'tollgate-embed' WHERE client_id = 'tollgate:embed';
UPDATE audit_events SET client_id = 'tollgate-embed' WHERE client_id = 'tollgate:embed';
UPDATE token_counts SET client_id = 'tollgate-embed' WHERE client_id = 'tollgate:embed';
UPDATE app_users SET client_id = 'tollgate-embed' WHERE client_id = 'tollgate:embed';
