package console

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
)

// The forms of applications, roles, APIs and embed settings write lists
// as text: scopes separated by spaces (a scope-token has none, RFC 6749
// §3.3), URIs one per line.

// words is field name split on white space.
func (f *form) words(name string) []string { return strings.Fields(f.Get(name)) }

// seconds reads field name as a whole number of seconds; a blank field
// is nil (the default, or unchanged).
func (f *form) seconds(name string) (*time.Duration, error) {
	s := strings.TrimSpace(f.Get(name))
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > int64(1<<62/time.Second) {
		return nil, domain.Invalid(name, "must be a whole number of seconds")
	}
	d := time.Duration(n) * time.Second
	return &d, nil
}

// secondsText shows a lifetime in a seconds field.
func secondsText(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }

// appGrantTypes are the grant types an application form offers, in the
// order shown.
var appGrantTypes = []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken,
	domain.GrantClientCredentials, domain.GrantPassword}

// grantChoices are the grant types form f offers: the usual ones, and
// any other (embed_secret, set through the admin API) the application
// has, so saving the form keeps it.
func grantChoices(f *form) []string {
	out := append([]string{}, appGrantTypes...)
	for _, g := range f.Values["grantTypes"] {
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

// appPatch reads an application form. Every field is sent, so every
// attribute is set; an empty grant list or a blank lifetime asks for the
// default on create and keeps the value on edit.
func appPatch(f *form) (admin.ApplicationPatch, error) {
	name, clientType := strings.TrimSpace(f.Get("name")), f.Get("clientType")
	grants := append([]string{}, f.Values["grantTypes"]...)
	scopes, defaults := f.words("scopes"), f.words("defaultScopes")
	redirects, logouts := lines(f.Get("redirectUris")), lines(f.Get("postLogoutRedirectUris"))
	firstParty, dpop, idAlg := f.Get("firstParty") == "on", f.Get("requireDpop") == "on", f.Get("idTokenSigningAlg")
	p := admin.ApplicationPatch{Name: &name, ClientType: &clientType, Scopes: &scopes, DefaultScopes: &defaults,
		RedirectURIs: &redirects, PostLogoutRedirectURIs: &logouts, FirstParty: &firstParty, IDTokenSigningAlg: &idAlg,
		RequireDPoP: &dpop}
	// Keys: a JWK Set as typed (the admin API checks it), or nothing.
	jwks, jwksURI := strings.TrimSpace(f.Get("jwks")), strings.TrimSpace(f.Get("jwksUri"))
	if jwks != "" {
		var b bytes.Buffer
		if json.Compact(&b, []byte(jwks)) != nil || b.Bytes()[0] != '{' {
			return p, domain.Invalid("jwks", "must be a JWK Set, {\"keys\":[…]}")
		}
		jwks = b.String()
	}
	p.JWKS, p.JWKSURI = &jwks, &jwksURI
	if len(grants) > 0 {
		p.GrantTypes = &grants
	}
	var err error
	if p.AccessTokenTTL, err = f.seconds("accessTokenTtl"); err != nil {
		return p, err
	}
	if p.RefreshTokenTTL, err = f.seconds("refreshTokenTtl"); err != nil {
		return p, err
	}
	p.RefreshReuseGrace, err = f.seconds("refreshReuseGraceSeconds")
	return p, err
}

// appValues fills an application form with a's attributes.
func appValues(a *domain.Application) url.Values {
	v := url.Values{
		"name": {a.Name}, "clientType": {a.ClientType}, "grantTypes": a.GrantTypes,
		"scopes": {strings.Join(a.Scopes, " ")}, "defaultScopes": {strings.Join(a.DefaultScopes, " ")},
		"redirectUris":           {strings.Join(a.RedirectURIs, "\n")},
		"postLogoutRedirectUris": {strings.Join(a.PostLogoutRedirectURIs, "\n")},
		"accessTokenTtl":         {secondsText(a.AccessTokenTTL)}, "refreshTokenTtl": {secondsText(a.RefreshTokenTTL)},
		"refreshReuseGraceSeconds": {secondsText(a.RefreshReuseGrace)},
		"idTokenSigningAlg":        {a.IDTokenSigningAlg},
	}
	if a.FirstParty {
		v.Set("firstParty", "on")
	}
	if a.RequireDPoP {
		v.Set("requireDpop", "on")
	}
	if a.JWKS != "" {
		var b bytes.Buffer
		if json.Indent(&b, []byte(a.JWKS), "", "  ") == nil {
			v.Set("jwks", b.String())
		}
	}
	v.Set("jwksUri", a.JWKSURI)
	return v
}

// newAppValues is the new-application form: a confidential, first-party
// client with the default lifetimes.
func newAppValues() url.Values {
	return appValues(&domain.Application{ClientType: domain.ClientConfidential, FirstParty: true,
		AccessTokenTTL: domain.DefaultAccessTokenTTL, RefreshTokenTTL: domain.DefaultRefreshTokenTTL,
		RefreshReuseGrace: domain.DefaultRefreshReuseGrace})
}
