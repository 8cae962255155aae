-- DPoP (RFC 9449, issue 18). An application may require every token it
-- asks for to be bound to a key; existing ones do not. A refresh token of
-- a public client is bound to the key of the proof it was issued with
-- (jkt, the key's RFC 7638 thumbprint); '' for an unbound one, which every
-- existing token is.
ALTER TABLE applications ADD COLUMN require_dpop {{bool}} NOT NULL DEFAULT FALSE;
ALTER TABLE refresh_tokens ADD COLUMN jkt TEXT NOT NULL DEFAULT '';
