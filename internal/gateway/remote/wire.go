package remote

import (
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway/feedwire"
)

// verificationKeys converts the feed's keys for tenant to
// verification-only keys: every key is marked retired so the gateway's
// keyring never tries to sign with one.
func verificationKeys(w feedwire.Keys, tenant string) []domain.SigningKey {
	out := make([]domain.SigningKey, 0, len(w.Keys))
	for _, k := range w.Keys {
		created := k.CreatedAt
		out = append(out, domain.SigningKey{Tenant: tenant, ID: k.ID, Algorithm: k.Algorithm, PublicKey: k.PublicKey,
			CreatedAt: created, RetiredAt: &created, PublishUntil: k.PublishUntil})
	}
	return out
}
