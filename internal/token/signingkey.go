package token

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// verifyKey is a published key with the one algorithm tokens signed by it
// may claim (RFC 8725 §3.1: the key decides, not the token's header), and
// its use: only domain.KeyUseTokens keys verify access tokens.
type verifyKey struct {
	alg jose.SignatureAlgorithm
	key crypto.PublicKey
	use string
}

// publicKey parses a stored key's public half, or reports false when the
// row is unusable (unknown algorithm or use, kid mismatch, wrong key type).
func publicKey(sk *domain.SigningKey) (jose.JSONWebKey, verifyKey, bool) {
	a := storedAlgorithm(sk.Algorithm)
	if a == nil || !knownUse(sk.Use) {
		return jose.JSONWebKey{}, verifyKey{}, false
	}
	var jwk jose.JSONWebKey
	if err := json.Unmarshal(sk.PublicKey, &jwk); err != nil || jwk.KeyID != sk.ID ||
		!jwk.IsPublic() || (jwk.Algorithm != "" && jwk.Algorithm != sk.Algorithm) || !a.fits(jwk.Key) {
		return jose.JSONWebKey{}, verifyKey{}, false
	}
	return jwk, verifyKey{alg: a.name, key: jwk.Key, use: sk.Use}, true
}

// openSigner unseals a private key and builds its signer once, so signing
// a token costs one signature and no key parsing.
func (k *signing) openSigner(tenant string, sk *domain.SigningKey) (*jwsSigner, error) {
	a := storedAlgorithm(sk.Algorithm)
	if a == nil {
		return nil, fmt.Errorf("token: signing key %s of tenant %s: %w %q", sk.ID, tenant, ErrUnsupportedAlgorithm, sk.Algorithm)
	}
	der, err := k.sealer.Open(sk.PrivateKey, keyAD(tenant, sk.ID))
	if err != nil {
		return nil, fmt.Errorf("token: signing key %s of tenant %s: %w", sk.ID, tenant, err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("token: signing key %s of tenant %s: %w", sk.ID, tenant, err)
	}
	priv, ok := parsed.(crypto.Signer)
	if !ok || !a.fits(priv.Public()) {
		return nil, fmt.Errorf("token: signing key %s of tenant %s is not a %s key", sk.ID, tenant, a.name)
	}
	return newJWSSigner(a.name, sk.ID, opaqueKey(priv))
}

// newKey generates a key of use for algorithm a, its private half sealed
// with the master key. The kid is the RFC 7638 thumbprint, so it is unique
// without coordination and the same on every node.
func (k *signing) newKey(tenant string, a *algorithm, use string, now time.Time) (*domain.SigningKey, error) {
	priv, err := a.generate()
	if err != nil {
		return nil, fmt.Errorf("token: generating %s key: %w", a.name, err)
	}
	pub := jose.JSONWebKey{Key: priv.Public(), Algorithm: string(a.name), Use: "sig"}
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("token: key thumbprint: %w", err)
	}
	pub.KeyID = base64.RawURLEncoding.EncodeToString(tp)
	pubJSON, err := pub.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("token: encoding public key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("token: encoding private key: %w", err)
	}
	sealed, err := k.sealer.Seal(der, keyAD(tenant, pub.KeyID))
	if err != nil {
		return nil, fmt.Errorf("token: sealing private key: %w", err)
	}
	return &domain.SigningKey{
		Tenant:     tenant,
		ID:         pub.KeyID,
		Algorithm:  string(a.name),
		Use:        use,
		PublicKey:  pubJSON,
		PrivateKey: sealed,
		CreatedAt:  now,
	}, nil
}

// keyAD binds a sealed private key to its tenant and kid, so a row copied
// into another tenant cannot be opened there.
func keyAD(tenant, kid string) []byte { return []byte(tenant + "/" + kid) }
