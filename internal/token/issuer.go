package token

// PrefixBootstrap marks the generated bootstrap admin token.
const PrefixBootstrap = "tgb_"

// Issuer returns the tenant's issuer URL (the iss of its tokens).
func (k *Keyring) Issuer(tenant string) string { return IssuerURL(k.base, tenant) }
