package remote

import (
	"context"
	"encoding/hex"
	"time"

	"github.com/tollgate-dev/tollgate/internal/apitoken"
	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/cache"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// apiTokenTTL is how long a resolved API token is trusted without asking
// the key manager again; deletions do not wait for it (revocation set).
const apiTokenTTL = 5 * time.Second

// NewVerifier returns the remote gateway's gateway.Verifier: JWTs checked
// locally against the key manager's public keys (keys, a KeySource over
// the Client) and the followed revocation set; API tokens resolved
// through the key manager, cached briefly.
func NewVerifier(keys *token.KeySource, revoked *token.Revocations, c *Client) *Verifier {
	tokens := &apiTokens{revoked: revoked, client: c, cache: cache.New[string, *apitoken.Identity](apiTokenTTL, 100_000)}
	return &Verifier{
		Authenticator: authn.New(authn.NewAPITokens(tokens), authn.NewAccessTokens(keys, revoked, nil)),
		tokens:        tokens,
	}
}

// Verifier is the remote gateway's credential check.
type Verifier struct {
	*authn.Authenticator
	tokens *apiTokens
}

// Changed drops the resolved API tokens when a change may alter what
// their users may do (a feed.Handler).
func (v *Verifier) Changed(_ context.Context, c domain.Change) error {
	if c.TouchesUsers() {
		v.tokens.cache.Clear()
	}
	return nil
}

// apiTokens is an authn.APITokenLookup that asks the key manager.
type apiTokens struct {
	revoked *token.Revocations
	client  *Client
	cache   *cache.TTL[string, *apitoken.Identity]
}

// Lookup implements authn.APITokenLookup. A deletion applies at once
// through the revocation set, whatever the cache holds.
func (t *apiTokens) Lookup(ctx context.Context, tenant, raw string) (*apitoken.Identity, error) {
	if !token.CheckOpaque(raw, token.PrefixAPI) {
		return nil, apitoken.ErrInvalid
	}
	h := hex.EncodeToString(secret.HashToken(raw))
	if t.revoked.IsRevokedValue(tenant, domain.RevokeAPIToken, h) {
		return nil, apitoken.ErrInvalid
	}
	// Keyed by the hash, so the cache holds no usable token.
	key := tenant + "\x00" + h
	if id, ok := t.cache.Get(key); ok {
		return id, nil
	}
	version := t.cache.Version()
	id, err := t.client.VerifyAPIToken(ctx, tenant, raw)
	if err != nil {
		return nil, err
	}
	t.cache.PutIfUnchanged(key, id, version)
	return id, nil
}
