// Package federation signs browser users in through external OpenID
// Connect providers (DESIGN §2 "Browser sign-in"): it sends the browser to
// the provider with an authorization code request (PKCE S256, state,
// nonce), and on its return exchanges the code, verifies the ID token and
// finds, links or creates the user. The sign-in page owns the HTTP routes
// and the session; this package owns the protocol and the state cookie
// that carries the request across the provider's pages.
package federation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// Store is the part of store.Store sign-in through a provider needs.
type Store interface {
	GetIdentityProvider(ctx context.Context, tenant, id string) (*domain.IdentityProvider, error)
	ListIdentityProviders(ctx context.Context, tenant string, p domain.Page) ([]domain.IdentityProvider, error)
	GetUser(ctx context.Context, tenant, id string) (*domain.User, error)
	FederatedUser(ctx context.Context, tenant, provider, subject string) (*domain.User, error)
	LinkIdentity(ctx context.Context, tenant string, f *domain.FederatedIdentity) error
	CreateFederatedUser(ctx context.Context, tenant string, u *domain.User, f *domain.FederatedIdentity) error
}

var _ Store = store.Store(nil)

// Config is what a Federation needs.
type Config struct {
	Store Store
	// Sealer opens providers' client secrets and seals the state cookie.
	Sealer *secret.Sealer
	// Policy decides which addresses providers may have: every request
	// to a provider goes through its ProviderClient, for the provider's
	// ByOperator. nil: upstream.Strict(), which knows neither the
	// operator's allow-list nor this server's listeners: a server passes
	// its own.
	Policy *upstream.Policy
	// CallbackURL is the redirect URI registered at the provider:
	// {tenant issuer URL}/login/callback/{provider}.
	CallbackURL func(tenant, provider string) string
	// Secure: the server is reached over TLS, so the state cookie is
	// Secure and __Host- prefixed.
	Secure bool
	Now    func() time.Time // nil: time.Now
	Logger *slog.Logger     // nil: slog.Default()
}

// Federation signs users in through a tenant's identity providers. It is
// safe for concurrent use.
type Federation struct {
	st       Store
	sealer   *secret.Sealer
	callback func(tenant, provider string) string
	secure   bool
	now      func() time.Time
	log      *slog.Logger
	clients  [2]*http.Client // by ByOperator: [0] tenant admin's, [1] operator's
	cache    *discoveryCache
}

// New returns a Federation.
func New(c Config) *Federation {
	if c.Policy == nil {
		c.Policy = upstream.Strict()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	f := &Federation{st: c.Store, sealer: c.Sealer, callback: c.CallbackURL, secure: c.Secure,
		now: c.Now, log: c.Logger, cache: newDiscoveryCache(c.Now)}
	f.clients[0] = c.Policy.ProviderClient(false, providerTimeout)
	f.clients[1] = c.Policy.ProviderClient(true, providerTimeout)
	return f
}

// client is the HTTP client for every request to p.
func (f *Federation) client(p *domain.IdentityProvider) *http.Client {
	if p.ByOperator {
		return f.clients[1]
	}
	return f.clients[0]
}

// ErrUnknownProvider: the tenant has no such provider, or it is disabled.
var ErrUnknownProvider = errors.New("federation: unknown or disabled identity provider")

// Error is a failed sign-in. Public is safe to show on the sign-in page:
// it names the provider and what went wrong in the user's terms, never a
// secret or what the provider sent; Cause is for the log.
type Error struct {
	Public string
	Cause  error
}

func (e *Error) Error() string {
	if e.Cause == nil {
		return e.Public
	}
	return e.Public + ": " + e.Cause.Error()
}

func (e *Error) Unwrap() error { return e.Cause }

// fail builds the *Error of a sign-in through p.
func fail(p *domain.IdentityProvider, reason string, cause error) *Error {
	return &Error{Public: fmt.Sprintf("Sign-in through %s failed: %s", displayName(p), reason), Cause: cause}
}

func displayName(p *domain.IdentityProvider) string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return p.ID
}

// Reasons shown to the user.
const (
	reasonUnreachable = "the provider could not be reached; try again later"
	reasonState       = "the sign-in expired or was started in another browser; please start again"
	reasonDenied      = "the provider did not sign you in"
	reasonUnverified  = "the response could not be verified"
	reasonInternal    = "an internal error occurred; try again later"
)

// Providers lists the tenant's enabled providers, for the sign-in page's
// "Sign in with …" buttons.
func (f *Federation) Providers(ctx context.Context, tenant string) ([]domain.IdentityProvider, error) {
	const limit = 100
	var out []domain.IdentityProvider
	for after := ""; ; {
		page, err := f.st.ListIdentityProviders(ctx, tenant, domain.Page{After: after, Limit: limit})
		if err != nil {
			return nil, err
		}
		for _, p := range page {
			if p.Enabled {
				p.SealedSecret = nil // a page of buttons has no use for it
				out = append(out, p)
			}
		}
		if len(page) < limit {
			return out, nil
		}
		after = page[len(page)-1].ID
	}
}

// provider returns the tenant's enabled provider id.
func (f *Federation) provider(ctx context.Context, tenant, id string) (*domain.IdentityProvider, error) {
	p, err := f.st.GetIdentityProvider(ctx, tenant, id)
	if errors.Is(err, domain.ErrNotFound) || err == nil && !p.Enabled {
		return nil, &Error{Public: "This sign-in option is not available.", Cause: ErrUnknownProvider}
	}
	if err != nil {
		return nil, &Error{Public: "Sign-in failed: " + reasonInternal, Cause: err}
	}
	return p, nil
}

// Changed drops the cached discovery of changed providers: a
// feed.Handler. The cache also checks each entry against the provider's
// stored issuer, so this is about freshness and memory, not correctness.
func (f *Federation) Changed(_ context.Context, c domain.Change) error {
	switch {
	case c.Everything():
		f.cache.drop("", "")
	case c.Entity == domain.EntityTenant:
		f.cache.drop(c.Tenant, "")
	case c.Entity == domain.EntityIdentityProvider:
		f.cache.drop(c.Tenant, c.ID)
	}
	return nil
}
