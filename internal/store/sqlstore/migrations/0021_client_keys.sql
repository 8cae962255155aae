-- private_key_jwt client authentication (RFC 7523 §2.2, issue 18): an
-- application's public keys, inline (a JWK Set as JSON) or at a URL the
-- server fetches. Empty: the application authenticates otherwise. The
-- assertions' ids are single-use through the nonce table the embed grant
-- uses (RedeemOnce), under keys embed nonces cannot take.
ALTER TABLE applications ADD COLUMN jwks TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN jwks_uri TEXT NOT NULL DEFAULT '';
