package federation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// ErrExternalToken is wrapped by every refusal of a provider's token
// offered for token exchange; the wrapping error says why.
var ErrExternalToken = errors.New("federation: token of an identity provider refused")

// ExternalUser is who a provider's token stands for here.
type ExternalUser struct {
	UserID  string    // the user linked to the token's subject
	Issuer  string    // the provider's issuer
	Expires time.Time // the token's exp
}

// VerifyToken checks raw, an ID token or JWT access token that one of the
// tenant's enabled identity providers issued to Tollgate's client there
// (aud, or azp when there are several), and returns the user linked to
// its subject, for token exchange (RFC 8693). The provider is the one
// whose issuer the token names; its signature, issuer, audience and
// expiry are checked with the provider's published keys. A token for
// another client at the provider is refused, so one issued to some other
// service cannot be exchanged here.
func (f *Federation) VerifyToken(ctx context.Context, tenant, raw string) (*ExternalUser, error) {
	iss, ok := token.UnverifiedIssuer(raw)
	if !ok {
		return nil, fmt.Errorf("%w: not a JWT with an issuer", ErrExternalToken)
	}
	ps, err := f.Providers(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var p *domain.IdentityProvider
	for i := range ps {
		if ps[i].Issuer == iss {
			p = &ps[i]
			break
		}
	}
	if p == nil {
		return nil, fmt.Errorf("%w: no enabled identity provider of this tenant has issuer %q", ErrExternalToken, iss)
	}
	d, err := f.discover(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("federation: provider %s: %w", p.ID, err) // unreachable: not the token's fault
	}
	ctx = oidc.ClientContext(ctx, f.client(p))
	t, err := d.oidc.Verifier(&oidc.Config{ClientID: p.ClientID, Now: f.now}).Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrExternalToken, err)
	}
	var claims struct {
		AZP string `json:"azp"`
	}
	if err := t.Claims(&claims); err != nil || len(t.Audience) > 1 && claims.AZP != p.ClientID {
		return nil, fmt.Errorf("%w: the token has several audiences and is not authorized for Tollgate (azp)", ErrExternalToken)
	}
	u, err := f.st.FederatedUser(ctx, tenant, p.ID, t.Subject)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, fmt.Errorf("%w: no user is linked to subject %q of provider %s", ErrExternalToken, t.Subject, p.ID)
	}
	if err != nil {
		return nil, err
	}
	return &ExternalUser{UserID: u.ID, Issuer: p.Issuer, Expires: t.Expiry}, nil
}
