package admin

import (
	"context"
	"strings"
	"time"
	"unicode"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// DiscoveryTimeout bounds fetching a provider's discovery document when
// an admin sets its issuer, so a provider that never answers fails the
// request instead of holding it.
const DiscoveryTimeout = 10 * time.Second

// discoverIssuer checks that issuer, which ValidateIssuer accepted, is an
// OpenID provider Tollgate can reach: the upstream rule allows its
// address for the principal (package upstream; the operator may name any
// address, this server's own included), its discovery document is served
// under issuer and names issuer exactly (OIDC Discovery §4.3, checked by
// go-oidc), and it has the endpoints a sign-in needs. Any failure is an
// InvalidError on issuer that says why, so an admin learns of a typo now
// rather than at the first sign-in.
func (s *Service) discoverIssuer(ctx context.Context, issuer string, byOperator bool) error {
	return checkOnce(ctx, checkKey("discover", byOperator, issuer), func() error { return s.discover(ctx, issuer, byOperator) })
}

func (s *Service) discover(ctx context.Context, issuer string, byOperator bool) error {
	if err := s.checkProviderAddress(ctx, "issuer", issuer, byOperator); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, DiscoveryTimeout)
	defer cancel()
	client := s.upstreams.ProviderClient(byOperator, DiscoveryTimeout)
	defer client.CloseIdleConnections() // a client per discovery: keep no connection
	prov, err := oidc.NewProvider(oidc.ClientContext(ctx, client), issuer)
	if err != nil {
		return domain.Invalid("issuer", "OpenID Connect discovery at %s failed: %s", issuer, brief(err.Error()))
	}
	var doc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	ep := prov.Endpoint()
	if err := prov.Claims(&doc); err != nil || ep.AuthURL == "" || ep.TokenURL == "" || doc.JWKSURI == "" {
		return domain.Invalid("issuer", "the discovery document of %s lacks authorization_endpoint, token_endpoint or jwks_uri", issuer)
	}
	return nil
}

// checkProviderAddress applies the upstream rule for providers to the
// host and port of the URL raw (field names it in errors): the operator
// may name any address, this server's own included (a tenant of this
// server as the provider); a tenant admin's obeys the allow-list.
func (s *Service) checkProviderAddress(ctx context.Context, field, raw string, byOperator bool) error {
	host, port, err := hostPort(field, raw)
	if err != nil {
		return err
	}
	return checkOnce(ctx, checkKey("provider "+field, byOperator, host, port), func() error {
		if err := s.upstreams.CheckProvider(ctx, host, port, byOperator); err != nil {
			return domain.Invalid(field, "%v", err)
		}
		return nil
	})
}

// brief shortens an error that may quote a provider's answer (go-oidc
// includes the body of an error response) to one line of printable text.
func brief(s string) string {
	const max = 300
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
}
