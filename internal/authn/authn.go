// Package authn answers "who is calling?": it turns any credential (a JWT
// access token, an API token, the bootstrap token, a gateway credential)
// into one Principal, and checks a username and password for sign-in.
// Handlers, the gateway and introspection ask it and never re-implement a
// check. One file per kind of credential: a new kind (a session cookie, a
// token-exchange subject_token) is a new Method.
//
// A credential that must be refused is ErrInvalid; any other error means
// the check itself failed (the database is down) and is never a 401.
package authn

import (
	"context"
	"errors"
	"time"

	"github.com/tollgate-dev/tollgate/internal/token"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// ErrInvalid: the credential is malformed, unknown, expired or revoked.
// Callers answer 401 (or inactive) and say no more.
var ErrInvalid = errors.New("authn: invalid credential")

// Kind is the kind of credential a Principal was authenticated with.
type Kind string

// The kinds of credential.
const (
	KindAccessToken       Kind = "access_token"
	KindAPIToken          Kind = "api_token"
	KindBootstrap         Kind = "bootstrap"
	KindGatewayCredential Kind = "gateway_credential"
)

// Principal is who a valid credential stands for.
type Principal struct {
	Kind Kind
	// Tenant the credential was issued in; "" for the bootstrap token and
	// gateway credentials, which belong to no tenant.
	Tenant string
	// Subject is the user id (or, for client credentials, the client id).
	Subject string
	// Client is the OAuth client id; "" for API tokens.
	Client string
	Scopes []string
	// AuthTime is when the credential was issued, the latest moment its
	// holder is known to have authenticated.
	AuthTime time.Time
	// SessionID is the refresh-token family an access token belongs to.
	SessionID string
	// CredentialID names the credential: an access token's jti, an API
	// token's or a gateway credential's id.
	CredentialID string
	// ExpiresAt is zero for credentials that do not expire.
	ExpiresAt time.Time
	// Audience and Issuer of an access token.
	Audience []string
	Issuer   string
	// Roles the user of a session holds now; nil for other kinds, whose
	// rights are their scopes.
	Roles []string
	// BoundKey is the thumbprint of the DPoP key an access token is bound
	// to (cnf.jkt, RFC 9449 §6.1); such a token is no bearer token.
	BoundKey string
	// Actor is who acts for Subject, for a token issued by token
	// exchange (RFC 8693 §4.1).
	Actor *token.Actor
}

// Method authenticates one kind of credential.
type Method interface {
	// Kind is the kind of credential the method handles.
	Kind() Kind
	// Verify returns the principal of raw presented to tenant. ok is false
	// when raw is not of the method's kind, so the next method is asked;
	// otherwise the error is ErrInvalid for a credential to refuse, or
	// another error when the check failed.
	Verify(ctx context.Context, tenant, raw string) (p *Principal, ok bool, err error)
}

// Authenticator asks its methods in order. It is safe for concurrent use.
type Authenticator struct {
	methods []Method
}

// New returns an Authenticator that accepts the credentials of methods,
// asked in the order given; put a method whose kind has no prefix of its
// own (access tokens) last.
func New(methods ...Method) *Authenticator {
	return &Authenticator{methods: methods}
}

// Changed hands c to every method that caches what it looked up (the
// bootstrap hash, gateway credentials): a feed.Handler.
func (a *Authenticator) Changed(ctx context.Context, c domain.Change) error {
	for _, m := range a.methods {
		if h, ok := m.(interface {
			Changed(context.Context, domain.Change) error
		}); ok {
			if err := h.Changed(ctx, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// Verify returns the principal of raw, a credential presented to tenant.
// Its signature is that of gateway.Verifier.
func (a *Authenticator) Verify(ctx context.Context, tenant, raw string) (*Principal, error) {
	for _, m := range a.methods {
		p, ok, err := m.Verify(ctx, tenant, raw)
		if ok || err != nil {
			return p, err
		}
	}
	return nil, ErrInvalid
}

// VerifyBearer is Verify for a credential presented as a bearer token:
// an access token bound to a DPoP key is ErrInvalid, since whoever
// presents it so proves no key (RFC 9449 §7.2).
func (a *Authenticator) VerifyBearer(ctx context.Context, tenant, raw string) (*Principal, error) {
	p, err := a.Verify(ctx, tenant, raw)
	if err == nil && p.BoundKey != "" {
		return nil, ErrInvalid
	}
	return p, err
}

// VerifyKind is Verify for one kind of credential only: raw of any other
// kind is ErrInvalid.
func (a *Authenticator) VerifyKind(ctx context.Context, kind Kind, tenant, raw string) (*Principal, error) {
	for _, m := range a.methods {
		if m.Kind() != kind {
			continue
		}
		p, ok, err := m.Verify(ctx, tenant, raw)
		if ok || err != nil {
			return p, err
		}
	}
	return nil, ErrInvalid
}
