-- Refresh rotation grace: a client that lost the answer to a rotation may
-- present the rotated token again for a while and get the same successor.

-- The grace period of each application, in nanoseconds like the other
-- lifetimes; 0 disables it. Existing applications get the default, 30 s.
ALTER TABLE applications ADD COLUMN refresh_reuse_grace_ns {{int}} NOT NULL DEFAULT 30000000000;

-- On a rotated token: the storage key of its successor.
ALTER TABLE refresh_tokens ADD COLUMN successor {{blob}};
-- On a successor: the token itself sealed with the master key, and the end
-- of the grace period, after which the sealed copy is erased.
ALTER TABLE refresh_tokens ADD COLUMN sealed {{blob}};
ALTER TABLE refresh_tokens ADD COLUMN sealed_until {{time}};

-- The purge finds sealed copies whose grace ended. Partial, so it holds
-- only the few rows of the last grace period; a rotation never changes
-- sealed_until, so on PostgreSQL its UPDATE can stay a HOT update.
CREATE INDEX refresh_tokens_sealed ON refresh_tokens (sealed_until) WHERE sealed_until IS NOT NULL;
