package domain

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Username claims an identity provider commonly names the user by; any
// other claim name of word characters is accepted too.
const (
	ClaimEmail             = "email"
	ClaimPreferredUsername = "preferred_username"
	ClaimSubject           = "sub"
)

// DefaultIdentityProviderScopes are requested from a provider created
// without scopes.
var DefaultIdentityProviderScopes = []string{ScopeOpenID, ScopeProfile, ScopeEmail}

var claimName = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// MaxIssuerLength bounds an identity provider's issuer URL.
const MaxIssuerLength = 2000

// IdentityProviderSecretAD is the associated data a provider's client
// secret is sealed with: a sealed secret copied to another provider's or
// tenant's row does not open.
func IdentityProviderSecretAD(tenant, id string) []byte {
	return []byte("idp-client-secret:" + tenant + "/" + id)
}

// ValidateIdentityProvider checks a provider before it is stored. The
// issuer must be usable as OpenID Connect requires (ValidateIssuer); the
// scopes must include openid, without which the provider issues no ID
// token to sign the user in with.
func ValidateIdentityProvider(p *IdentityProvider) error {
	if err := ValidID("id", p.ID); err != nil {
		return err
	}
	// The id is a path segment of the sign-in callback and part of the
	// users' source (oidc:<id>): a slug, like tenant ids.
	if !tenantSlug.MatchString(p.ID) {
		return Invalid("id", "must be 1-63 lower-case letters, digits or '-', starting with a letter or digit")
	}
	if err := checkText("displayName", p.DisplayName, 200); err != nil {
		return err
	}
	if err := ValidateIssuer(p.Issuer, p.ByOperator); err != nil {
		return err
	}
	if p.ClientID == "" {
		return Invalid("clientId", "is required")
	}
	if err := checkText("clientId", p.ClientID, 255); err != nil {
		return err
	}
	if err := checkScopes("scopes", p.Scopes); err != nil {
		return err
	}
	if !slices.Contains(p.Scopes, ScopeOpenID) {
		return Invalid("scopes", "must include %q", ScopeOpenID)
	}
	if !claimName.MatchString(p.UsernameClaim) {
		return Invalid("usernameClaim", "must be a claim name such as %s, %s or %s (letters, digits, '_')",
			ClaimEmail, ClaimPreferredUsername, ClaimSubject)
	}
	for _, r := range p.DefaultRoles {
		if !roleID.MatchString(r) {
			return Invalid("defaultRoles", "bad role name %q", r)
		}
	}
	return nil
}

// ValidateIssuer checks an identity provider's issuer: an absolute URL
// without query, fragment or user information (OIDC Discovery §3). It
// must be https, except when byOperator, or on a loopback host: the
// operator may federate with a provider inside their network, or with a
// tenant of this same server, which serves plain http by default; a
// tenant admin's provider is reached across networks they do not
// control, where only TLS keeps the client secret and the ID tokens
// private, while traffic to a loopback host never leaves the machine.
// (Which addresses may be reached at all is package upstream's rule.)
func ValidateIssuer(issuer string, byOperator bool) error {
	switch {
	case issuer == "":
		return Invalid("issuer", "is required")
	case len(issuer) > MaxIssuerLength:
		return Invalid("issuer", "at most %d bytes", MaxIssuerLength)
	}
	if err := printableURL("issuer", issuer); err != nil {
		return err
	}
	if strings.ContainsAny(issuer, "?#") {
		return Invalid("issuer", "%q may not have a query or fragment (OpenID Connect Discovery §3)", issuer)
	}
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.Hostname() == "" || u.Opaque != "" {
		return Invalid("issuer", "%q is not an absolute URL with a host", issuer)
	}
	if u.User != nil {
		return Invalid("issuer", "%q may not carry user information", issuer)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && (byOperator || isLoopbackHost(u.Hostname())):
	case u.Scheme == "http":
		return Invalid("issuer", "%q: a tenant admin's issuer must use https (only the operator may name an http issuer)", issuer)
	default:
		return Invalid("issuer", "%q: the scheme must be https", issuer)
	}
	return nil
}

// printableURL refuses a URL with a byte outside printable ASCII or a
// space, which url.Parse would let through in a path.
func printableURL(field, raw string) error {
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= 0x20 || c >= 0x7f {
			return Invalid(field, "%q: only printable ASCII without spaces", raw)
		}
	}
	return nil
}
