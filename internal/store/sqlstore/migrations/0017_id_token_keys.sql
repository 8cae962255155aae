-- RS256 ID tokens (issue 14, OIDC Core §15.1): a tenant that signs with
-- another algorithm keeps a second active key, used only for the ID
-- tokens of applications that ask for RS256. key_use tells the two apart:
-- '' (domain.KeyUseTokens) for the access-token key, which every existing
-- key is, 'id_token' (domain.KeyUseIDToken) for the other. Rotating a key
-- retires only the active keys of its own use.
ALTER TABLE signing_keys ADD COLUMN key_use TEXT NOT NULL DEFAULT '';
