package domain

import (
	"net/url"
	"strings"
)

// Limits of an application's redirect URIs: the authorization endpoint
// compares every request against each of them.
const (
	MaxRedirectURIs      = 20
	MaxRedirectURILength = 2000
)

// ValidateRedirectURI checks one redirect URI (or post-logout redirect
// URI) as field. Redirect URIs are matched exactly (DESIGN §2 "Browser
// sign-in"), so only what can be matched safely is accepted:
//
//   - https with a host;
//   - http only on a loopback host — 127.0.0.1, [::1] or localhost, any
//     port — for native apps (RFC 8252 §7.3, §8.3), since such a
//     redirect never leaves the device;
//   - a private-use scheme in reverse-DNS form, with a dot, such as
//     com.example.app:/callback (RFC 8252 §7.1); schemes without a dot
//     (javascript:, data:, file:) are refused;
//
// and never a fragment (RFC 6749 §3.1.2), user information, a '*' (there
// are no wildcards) or anything but printable ASCII (RFC 3986: other
// characters are percent-encoded).
func ValidateRedirectURI(field, uri string) error {
	switch {
	case uri == "":
		return Invalid(field, "a redirect URI may not be empty")
	case len(uri) > MaxRedirectURILength:
		return Invalid(field, "a redirect URI may be at most %d bytes", MaxRedirectURILength)
	}
	for i := 0; i < len(uri); i++ {
		if c := uri[i]; c <= 0x20 || c >= 0x7f {
			return Invalid(field, "%q: only printable ASCII without spaces (percent-encode the rest)", uri)
		}
	}
	switch {
	case strings.Contains(uri, "#"):
		return Invalid(field, "%q may not have a fragment (RFC 6749 §3.1.2)", uri)
	case strings.Contains(uri, "*"):
		return Invalid(field, "%q: redirect URIs are matched exactly; '*' is no wildcard and is not allowed", uri)
	}
	u, err := url.Parse(uri)
	if err != nil {
		return Invalid(field, "%q is not a URI", uri)
	}
	if u.Scheme == "" {
		return Invalid(field, "%q is not an absolute URI", uri)
	}
	if u.User != nil {
		return Invalid(field, "%q may not carry user information", uri)
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" || u.Hostname() == "" {
			return Invalid(field, "%q has no host", uri)
		}
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return Invalid(field, "%q: http is allowed only on a loopback host (127.0.0.1, [::1] or localhost); use https", uri)
		}
	default:
		if !privateUseScheme(u.Scheme) {
			return Invalid(field, "%q: the scheme must be https, http on a loopback host, or a private-use scheme in reverse-DNS form such as com.example.app", uri)
		}
		if len(uri) == len(u.Scheme)+1 {
			return Invalid(field, "%q has nothing after the scheme", uri)
		}
	}
	return nil
}

// validateRedirectURIs checks a list of redirect URIs as field.
func validateRedirectURIs(field string, uris []string) error {
	if len(uris) > MaxRedirectURIs {
		return Invalid(field, "at most %d redirect URIs", MaxRedirectURIs)
	}
	seen := make(map[string]bool, len(uris))
	for _, u := range uris {
		if err := ValidateRedirectURI(field, u); err != nil {
			return err
		}
		if seen[u] {
			return Invalid(field, "%q is listed twice", u)
		}
		seen[u] = true
	}
	return nil
}

// isLoopbackHost reports the loopback host names of RFC 8252 §7.3 and
// §8.3, as url.URL.Hostname gives them (IPv6 without brackets).
func isLoopbackHost(h string) bool {
	return h == "127.0.0.1" || h == "::1" || strings.EqualFold(h, "localhost")
}

// privateUseScheme reports a scheme in reverse-DNS form: two or more
// non-empty labels separated by dots. url.Parse has checked the
// characters already (RFC 3986 §3.1).
func privateUseScheme(s string) bool {
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" {
			return false
		}
	}
	return true
}

// IDTokenAlgRS256 is the one ID-token signing algorithm an application
// may ask for besides the tenant's own: clients that know only RS256
// (OIDC Core §15.1 makes it the one every client must support).
const IDTokenAlgRS256 = "RS256"

// validateClientSignIn checks an application's browser sign-in
// attributes: client type, the grant types that fit it, redirect URIs
// and the ID token algorithm.
func validateClientSignIn(a *Application) error {
	switch a.ClientType {
	case "", ClientConfidential: // "" is a record from before client types: confidential
	case ClientPublic:
		// A public client has no secret, so nothing proves a password or
		// client credentials request comes from it (RFC 6749 §4.3, §4.4:
		// both are for clients that authenticate).
		for _, g := range a.GrantTypes {
			if g == GrantPassword || g == GrantClientCredentials || g == GrantTokenExchange {
				return Invalid("grantTypes", "a public client cannot use grant type %q: it has no secret to authenticate with (use %s)",
					g, GrantAuthorizationCode)
			}
		}
	default:
		return Invalid("clientType", "must be %q or %q", ClientConfidential, ClientPublic)
	}
	if err := validateRedirectURIs("redirectUris", a.RedirectURIs); err != nil {
		return err
	}
	if err := validateRedirectURIs("postLogoutRedirectUris", a.PostLogoutRedirectURIs); err != nil {
		return err
	}
	if a.AllowsGrant(GrantAuthorizationCode) && len(a.RedirectURIs) == 0 {
		return Invalid("redirectUris", "an application with grant type %s needs at least one redirect URI", GrantAuthorizationCode)
	}
	if a.IDTokenSigningAlg != "" && a.IDTokenSigningAlg != IDTokenAlgRS256 {
		return Invalid("idTokenSigningAlg", "must be empty (the tenant's signing algorithm) or %q", IDTokenAlgRS256)
	}
	return checkText("owner", a.Owner, 255)
}
