-- Token exchange (RFC 8693, issue 18): an application's policy, as JSON
-- (domain.TokenExchangePolicy); '' for none, which every existing
-- application has: none may exchange until an admin says what.
ALTER TABLE applications ADD COLUMN token_exchange TEXT NOT NULL DEFAULT '';
