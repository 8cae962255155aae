package federation

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Begin starts a sign-in through provider: it returns the provider's
// authorization URL (OIDC Core §3.1.2.1: response_type=code, PKCE S256,
// state, nonce) to redirect the browser to, and the state cookie to set
// with that redirect. returnTo, at most MaxReturnTo bytes, comes back
// from Finish unchanged: the pending authorize request.
func (f *Federation) Begin(ctx context.Context, tenant, provider, returnTo string) (authURL string, cookie *http.Cookie, err error) {
	p, err := f.provider(ctx, tenant, provider)
	if err != nil {
		return "", nil, err
	}
	d, err := f.discover(ctx, p)
	if err != nil {
		f.log.Warn("identity provider discovery failed", "tenant", tenant, "provider", provider, "err", err)
		return "", nil, fail(p, reasonUnreachable, err)
	}
	s := &flowState{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(),
		Expires: f.now().Add(stateTTL).Unix(), ReturnTo: returnTo}
	value, err := sealState(f.sealer, tenant, provider, s)
	if err != nil {
		return "", nil, fail(p, "the sign-in request is too long", err)
	}
	conf := f.oauthConfig(p, d, "")
	authURL = conf.AuthCodeURL(s.State, oauth2.S256ChallengeOption(s.Verifier), oidc.Nonce(s.Nonce))
	return authURL, f.stateCookie(tenant, provider, value), nil
}

// Result is a finished sign-in, with what the audit records.
type Result struct {
	User     *domain.User
	ReturnTo string // Begin's returnTo
	Provider string
	Subject  string // the provider's sub
	Linked   bool   // the identity was linked to an existing user just now
	Created  bool   // the user was created just now
}

// Finish completes a sign-in through provider from the callback request
// r (?code&state, or ?error&state): it checks the state against the
// state cookie's, exchanges the code with the PKCE verifier, verifies
// the ID token (issuer, audience, signature, expiry, nonce) and finds,
// links or creates the user (see resolve). Errors are *Error. The
// returned cookie clears the state cookie and is to be set whatever the
// outcome: a state is used once.
func (f *Federation) Finish(ctx context.Context, tenant, provider string, r *http.Request) (*Result, *http.Cookie, error) {
	res, err := f.finish(ctx, tenant, provider, r)
	return res, f.clearCookie(tenant, provider), err
}

func (f *Federation) finish(ctx context.Context, tenant, provider string, r *http.Request) (*Result, error) {
	p, err := f.provider(ctx, tenant, provider)
	if err != nil {
		return nil, err
	}
	s, err := f.readState(tenant, provider, r)
	if err != nil {
		return nil, fail(p, reasonState, err)
	}
	q := r.URL.Query()
	// RFC 6749 §10.12: the state ties the callback to this browser's
	// sign-in, so no one can finish it with their own code (CSRF).
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(s.State)) != 1 {
		return nil, fail(p, reasonState, errors.New("state does not match the cookie's"))
	}
	if e := q.Get("error"); e != "" { // RFC 6749 §4.1.2.1; the description is the provider's text, not shown
		f.log.Info("identity provider refused a sign-in", "tenant", tenant, "provider", provider, "error", clip(e))
		return nil, fail(p, reasonDenied, fmt.Errorf("the provider answered %q", clip(e)))
	}
	d, err := f.discover(ctx, p)
	if err != nil {
		f.log.Warn("identity provider discovery failed", "tenant", tenant, "provider", provider, "err", err)
		return nil, fail(p, reasonUnreachable, err)
	}
	// RFC 9207 §2.4: a response naming another issuer is a mix-up attack.
	if iss := q.Get("iss"); iss != "" && iss != p.Issuer {
		return nil, fail(p, reasonUnverified, fmt.Errorf("the response names issuer %q", clip(iss)))
	}
	code := q.Get("code")
	if code == "" {
		return nil, fail(p, reasonDenied, errors.New("the callback has no code"))
	}
	id, err := f.exchange(ctx, p, d, code, s)
	if err != nil {
		return nil, err
	}
	return f.signIn(ctx, p, id, s.ReturnTo)
}

// readState reads and opens the request's state cookie for tenant and
// provider, refusing one that expired.
func (f *Federation) readState(tenant, provider string, r *http.Request) (*flowState, error) {
	c, err := r.Cookie(cookieName(tenant, provider, f.secure))
	if err != nil {
		return nil, fmt.Errorf("%w: no state cookie", errState)
	}
	s, err := openState(f.sealer, tenant, provider, c.Value)
	if err != nil {
		return nil, err
	}
	// The cookie's Max-Age is the browser's to honour; this is ours.
	if !f.now().Before(time.Unix(s.Expires, 0)) {
		return nil, fmt.Errorf("%w: expired", errState)
	}
	return s, nil
}

// oauthConfig is p's OAuth client configuration.
func (f *Federation) oauthConfig(p *domain.IdentityProvider, d *discovered, clientSecret string) *oauth2.Config {
	ep := d.oidc.Endpoint()
	ep.AuthStyle = d.authStyle
	scopes := []string{oidc.ScopeOpenID}
	for _, s := range p.Scopes {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	return &oauth2.Config{ClientID: p.ClientID, ClientSecret: clientSecret, Endpoint: ep,
		RedirectURL: f.callback(p.Tenant, p.ID), Scopes: scopes}
}

// identity is who the provider says signed in: the verified ID token's
// subject and claims.
type identity struct {
	subject string
	claims  map[string]any
}

// exchange redeems code at p's token endpoint and verifies the ID token.
func (f *Federation) exchange(ctx context.Context, p *domain.IdentityProvider, d *discovered, code string, s *flowState) (*identity, error) {
	clientSecret, err := f.clientSecret(p)
	if err != nil {
		return nil, fail(p, reasonInternal, err)
	}
	ctx = oidc.ClientContext(ctx, f.client(p))
	tok, err := f.oauthConfig(p, d, clientSecret).Exchange(ctx, code, oauth2.VerifierOption(s.Verifier))
	if err != nil {
		f.log.Warn("identity provider token request failed", "tenant", p.Tenant, "provider", p.ID, "err", err)
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return nil, fail(p, reasonDenied, err)
		}
		return nil, fail(p, reasonUnreachable, err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return nil, fail(p, reasonUnverified, errors.New("the token response has no id_token"))
	}
	// OIDC Core §3.1.3.7: issuer, audience, signature, expiry.
	idt, err := d.oidc.Verifier(&oidc.Config{ClientID: p.ClientID, Now: f.now}).Verify(ctx, raw)
	if err != nil {
		f.log.Warn("identity provider ID token refused", "tenant", p.Tenant, "provider", p.ID, "err", err)
		return nil, fail(p, reasonUnverified, err)
	}
	// OIDC Core §3.1.3.7 item 11: the nonce binds the token to this
	// sign-in, so a token from another one cannot be replayed into it.
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(s.Nonce)) != 1 {
		return nil, fail(p, reasonUnverified, errors.New("the ID token's nonce is not this sign-in's"))
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, fail(p, reasonUnverified, err)
	}
	// OIDC Core §3.1.3.7 items 4-5: a token for several audiences must
	// have been issued to us (azp).
	if azp, ok := claims["azp"].(string); len(idt.Audience) > 1 && (!ok || azp != p.ClientID) {
		return nil, fail(p, reasonUnverified, errors.New("the ID token has several audiences and is not authorized for us"))
	}
	return &identity{subject: idt.Subject, claims: claims}, nil
}

// clientSecret opens p's sealed client secret; "" when it has none (a
// public client at the provider, which PKCE alone protects).
func (f *Federation) clientSecret(p *domain.IdentityProvider) (string, error) {
	if len(p.SealedSecret) == 0 {
		return "", nil
	}
	b, err := f.sealer.Open(p.SealedSecret, domain.IdentityProviderSecretAD(p.Tenant, p.ID))
	if err != nil {
		return "", fmt.Errorf("the client secret of provider %q: %w", p.ID, err)
	}
	return string(b), nil
}

// clip bounds a value from the request before it reaches a log line.
func clip(s string) string {
	const n = 64
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
