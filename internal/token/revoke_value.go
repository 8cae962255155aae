package token

// IsRevokedValue reports whether a revocation of the given kind and value
// is in force in tenant. Kinds other than access-token ids and families
// (e.g. domain.RevokeAPIToken) are checked with it.
func (r *Revocations) IsRevokedValue(tenant, kind, value string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.set[revKey{tenant, kind, value}]
	return ok
}
