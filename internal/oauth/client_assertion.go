package oauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// private_key_jwt (RFC 7523 §2.2, OIDC Core §9): a client that registered
// public keys (an application's jwks or jwksUri) authenticates with a JWT
// it signs, sent as client_assertion. The assertion's id is single-use
// across every node until it expires (store.RedeemOnce), so a captured
// one cannot be replayed, even on another node.

const (
	// clientKeysTTL is how long a key set fetched from a jwksUri is used;
	// a client that rotates its keys and signs with the new one before
	// this runs out gets the set fetched again (clientKeysRefetch).
	clientKeysTTL = 5 * time.Minute
	// clientKeysRefetch spaces fetches caused by assertions the cached
	// set does not verify, so forged assertions cannot drive requests to
	// the client's server.
	clientKeysRefetch = 10 * time.Second
	// clientKeysStale is how long the last good set fetched from a
	// jwksUri still serves when fetching it again fails, so a client's
	// key server going down does not lock the client out at once.
	clientKeysStale = time.Hour
	// ClientKeysTimeout bounds one fetch.
	ClientKeysTimeout = 5 * time.Second
	// maxClientKeysBytes bounds a fetched key set.
	maxClientKeysBytes = 64 << 10
)

// authenticateAssertion authenticates a client by its assertion.
func (s *Server) authenticateAssertion(ctx context.Context, tenant string, c ClientCredentials) (*domain.Application, error) {
	a, err := token.ParseAssertion(c.Assertion)
	if err != nil {
		return nil, s.assertionRefused(tenant, c.ID, err)
	}
	if c.ID != "" && c.ID != a.Issuer {
		return nil, s.assertionRefused(tenant, c.ID, errors.New("client_id differs from the assertion's iss"))
	}
	app, err := s.application(ctx, tenant, a.Issuer)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, InvalidClient(false)
	}
	if err != nil {
		return nil, ServerError(err)
	}
	if !app.UsesKeys() {
		return nil, s.assertionRefused(tenant, app.ID, errors.New("the application has no registered keys"))
	}
	now := s.now()
	issuer := s.keys.Issuer(tenant)
	audiences := []string{issuer + "/oauth2/token", issuer}
	var claims *token.AssertionClaims
	for refetch := false; ; refetch = true {
		keys, err := s.keySets.get(ctx, app, now, refetch)
		if err != nil {
			return nil, s.assertionRefused(tenant, app.ID, err)
		}
		claims, err = a.Verify(keys, app.ID, audiences, now)
		if err == nil {
			break
		}
		// A client that rotated its published keys may sign with one
		// this node has not fetched yet; any other refusal (expired,
		// wrong audience …) is not about the keys.
		if refetch || app.JWKSURI == "" || !errors.Is(err, token.ErrAssertionKey) {
			return nil, s.assertionRefused(tenant, app.ID, err)
		}
	}
	err = s.store.RedeemOnce(ctx, tenant, "client_assertion "+app.ID+" "+claims.ID, claims.Expires, now)
	if errors.Is(err, domain.ErrConflict) {
		return nil, s.assertionRefused(tenant, app.ID, errors.New("the assertion's jti was already used"))
	}
	if err != nil {
		return nil, ServerError(err)
	}
	return app, nil
}

// assertionRefused is the invalid_client answer to a refused assertion;
// why goes to the log, not to the caller.
func (s *Server) assertionRefused(tenant, clientID string, why error) error {
	if s.log != nil {
		s.log.Info("client assertion refused", "tenant", tenant, "client_id", clientID, "why", why.Error())
	}
	return InvalidClient(false)
}

// clientKeySets are the parsed key sets of the clients that use
// private_key_jwt, by tenant and client: an inline set until the
// application's set changes, a fetched one for clientKeysTTL.
type clientKeySets struct {
	client *http.Client // nil: jwksUri is not supported
	mu     sync.Mutex
	sets   map[string]*keySet
	// fetches makes concurrent assertions of one client share one fetch,
	// so a burst of them cannot turn into a burst at its server.
	fetches singleflight.Group
}

type keySet struct {
	source string // the jwks text, or the jwksUri, it came from
	keys   *token.ClientKeys
	// For a jwksUri: when keys were fetched, when the last fetch was
	// tried and, if it failed, why.
	fetched, tried time.Time
	err            error
}

func newClientKeySets(client *http.Client) *clientKeySets {
	return &clientKeySets{client: client, sets: map[string]*keySet{}}
}

// get returns app's keys; refetch asks for a fetched set again, if the
// last fetch is older than clientKeysRefetch.
func (c *clientKeySets) get(ctx context.Context, app *domain.Application, now time.Time, refetch bool) (*token.ClientKeys, error) {
	id := app.Tenant + " " + app.ID
	c.mu.Lock()
	ks := c.sets[id]
	c.mu.Unlock()
	if app.JWKS != "" {
		if ks != nil && ks.source == app.JWKS {
			return ks.keys, nil
		}
		keys, err := token.ParseClientKeys([]byte(app.JWKS))
		if err != nil {
			return nil, err
		}
		c.put(id, &keySet{source: app.JWKS, keys: keys})
		return keys, nil
	}
	if ks != nil && ks.source == app.JWKSURI {
		// Whatever the last try gave stands for clientKeysRefetch, a
		// failure included: forged assertions naming a client whose
		// server is down must not turn into a fetch each.
		if now.Sub(ks.tried) < clientKeysRefetch || (!refetch && now.Sub(ks.fetched) < clientKeysTTL) {
			return ks.usable(now)
		}
	}
	v, _, _ := c.fetches.Do(id+" "+app.JWKSURI, func() (any, error) {
		// Not the first caller's cancellation: the others wait on it.
		keys, err := c.fetch(context.WithoutCancel(ctx), app.JWKSURI)
		next := &keySet{source: app.JWKSURI, keys: keys, fetched: now, tried: now, err: err}
		if err != nil && ks != nil && ks.source == app.JWKSURI {
			next.keys, next.fetched = ks.keys, ks.fetched // the last good set, for clientKeysStale
		}
		c.put(id, next)
		return next, nil
	})
	return v.(*keySet).usable(now)
}

// usable returns ks's keys, or why there are none: a fetch failed and the
// last good set, if any, is older than clientKeysStale.
func (ks *keySet) usable(now time.Time) (*token.ClientKeys, error) {
	if ks.err == nil || (ks.keys != nil && now.Sub(ks.fetched) < clientKeysStale) {
		return ks.keys, nil
	}
	return nil, ks.err
}

func (c *clientKeySets) put(id string, ks *keySet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sets[id] = ks
}

// fetch reads the key set at uri through the upstream rule's client.
func (c *clientKeySets) fetch(ctx context.Context, uri string) (*token.ClientKeys, error) {
	if c.client == nil {
		return nil, errors.New("fetching a jwksUri is not configured")
	}
	ctx, cancel := context.WithTimeout(ctx, ClientKeysTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", uri, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: %s", uri, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxClientKeysBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", uri, err)
	}
	if len(b) > maxClientKeysBytes {
		return nil, fmt.Errorf("fetch %s: larger than %d bytes", uri, maxClientKeysBytes)
	}
	return token.ParseClientKeys(b)
}
