package token

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// A tenant has an active key for each use (domain.KeyUseTokens,
// domain.KeyUseIDToken): the access-token key, which also signs the ID
// tokens of applications that take the tenant's algorithm, and, once an
// application asked for RS256 ID tokens while the tenant signs with
// another algorithm, an RS256 key that signs only those (OIDC Core §15.1).
// Both are published; only the first verifies access tokens.

// idTokenKeyAlg is the algorithm of ID-token keys.
var idTokenKeyAlg = storedAlgorithm(domain.IDTokenAlgRS256)

// need names the active key a caller cannot do without; on a Keyring's
// source, a tenant without it gets one.
type need int

const (
	needNone    need = iota // verifying and publishing need no active key
	needTokens              // the access-token key, of the default algorithm
	needIDToken             // the RS256 ID-token key
)

// keySlot holds a state's active key of one use.
type keySlot struct {
	kid    string     // "" when the tenant has none
	signer *jwsSigner // nil on a verifier's source, or when err says why
	err    error      // why the key cannot sign (its private half will not open)
}

// ready reports whether a Keyring has this key: it signs, or it exists
// but cannot sign. The latter counts, so that the error is reported until
// the state expires instead of every call reloading from the database.
func (a *keySlot) ready() bool { return a.signer != nil || a.err != nil }

// get returns the key's signer, or why there is none.
func (a *keySlot) get(tenant string) (*jwsSigner, error) {
	switch {
	case a.signer != nil:
		return a.signer, nil
	case a.err != nil:
		return nil, a.err
	}
	return nil, fmt.Errorf("token: tenant %s has no signing key", tenant)
}

// has reports whether st has the key n names.
func (st *keyState) has(n need) bool {
	switch n {
	case needTokens:
		return st.tokens.ready()
	case needIDToken:
		return st.idToken.ready()
	}
	return true
}

// active returns st's active key of use, which knownUse accepted.
func (st *keyState) active(use string) *keySlot {
	if use == domain.KeyUseIDToken {
		return &st.idToken
	}
	return &st.tokens
}

// knownUse reports whether a stored key's use is one this release knows;
// keys of others are left out, like keys of unknown algorithms.
func knownUse(use string) bool { return use == domain.KeyUseTokens || use == domain.KeyUseIDToken }

// keyFor returns the algorithm and use of the key n names, when a tenant
// without one gets it.
func (k *signing) keyFor(n need) (*algorithm, string) {
	if n == needIDToken {
		return idTokenKeyAlg, domain.KeyUseIDToken
	}
	return k.def, domain.KeyUseTokens
}
