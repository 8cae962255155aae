package domain

import (
	"net/url"
	"regexp"
	"strings"
	"time"
)

// BrokerTenantPlaceholder is the one placeholder a token URL may hold:
// Azure AD's authority is https://login.microsoftonline.com/{tenant}/…,
// and the provider's UpstreamTenant fills it in.
const BrokerTenantPlaceholder = "{tenantId}"

// MaxBrokerRefreshBefore bounds refreshBeforeSeconds: upstream tokens
// live an hour or so, and a larger margin would refresh on every request.
const MaxBrokerRefreshBefore = 24 * time.Hour

// upstreamTenant is an Azure AD tenant as its token URL names it: a GUID
// or a domain name (contoso.onmicrosoft.com); nothing that could end the
// path segment or the host it is put into.
var upstreamTenant = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,253}$`)

// TokenEndpoint is p's token URL with its placeholder filled in: the
// address Tollgate posts to.
func (p *BrokerProvider) TokenEndpoint() string {
	return strings.ReplaceAll(p.TokenURL, BrokerTenantPlaceholder, p.UpstreamTenant)
}

// ValidateBrokerProvider checks a provider as a whole, its sealed secrets
// included (they are required by its grant), with errors on the fields
// of the admin API. Which addresses the token URL may reach is package
// upstream's rule; that its roles exist is the store's.
func ValidateBrokerProvider(p *BrokerProvider) error {
	if err := ValidID("id", p.ID); err != nil {
		return err
	}
	// The id is a path segment (/{t}/broker/{id}/token) and part of a
	// scope (broker:{id}): a slug, like tenant ids.
	if !tenantSlug.MatchString(p.ID) {
		return Invalid("id", "must be 1-63 lower-case letters, digits or '-', starting with a letter or digit")
	}
	if err := validateBrokerTokenURL(p); err != nil {
		return err
	}
	switch p.GrantType {
	case BrokerGrantClientCredentials:
	case BrokerGrantPassword:
		if p.Username == "" {
			return Invalid("username", "is required by the password grant")
		}
		if p.SealedPassword == nil {
			return Invalid("password", "is required by the password grant")
		}
	default:
		return Invalid("grantType", "must be %s or %s", BrokerGrantClientCredentials, BrokerGrantPassword)
	}
	if p.ClientID == "" {
		return Invalid("clientId", "is required")
	}
	if p.SealedClientSecret == nil {
		return Invalid("clientSecret", "is required")
	}
	for _, f := range []struct{ field, value string }{
		{"clientId", p.ClientID}, {"username", p.Username}, {"resource", p.Resource}} {
		if err := checkText(f.field, f.value, 1000); err != nil {
			return err
		}
	}
	if err := checkScopes("scopes", p.Scopes); err != nil {
		return err
	}
	for _, r := range p.AllowedRoles {
		if !roleID.MatchString(r) {
			return Invalid("allowedRoles", "bad role name %q", r)
		}
	}
	if p.RefreshBefore < 0 || p.RefreshBefore > MaxBrokerRefreshBefore || p.RefreshBefore%time.Second != 0 {
		return Invalid("refreshBeforeSeconds", "must be whole seconds from 0 to %d", int(MaxBrokerRefreshBefore/time.Second))
	}
	return nil
}

// validateBrokerTokenURL checks the token URL with its placeholder filled
// in: absolute, without user information or fragment, and https. Plain
// http is allowed only to a loopback host, where the client secret never
// leaves the machine; not even the operator may send it across a network
// in the clear.
func validateBrokerTokenURL(p *BrokerProvider) error {
	raw := p.TokenURL
	switch {
	case raw == "":
		return Invalid("tokenUrl", "is required")
	case len(raw) > MaxIssuerLength:
		return Invalid("tokenUrl", "at most %d bytes", MaxIssuerLength)
	}
	if err := printableURL("tokenUrl", raw); err != nil {
		return err
	}
	rest := strings.ReplaceAll(raw, BrokerTenantPlaceholder, "")
	if strings.ContainsAny(rest, "{}") {
		return Invalid("tokenUrl", "%q: %s is the only placeholder allowed", raw, BrokerTenantPlaceholder)
	}
	if strings.Contains(raw, BrokerTenantPlaceholder) && p.UpstreamTenant == "" {
		return Invalid("upstreamTenant", "is required: the token URL names %s", BrokerTenantPlaceholder)
	}
	if p.UpstreamTenant != "" && !upstreamTenant.MatchString(p.UpstreamTenant) {
		return Invalid("upstreamTenant", "%q: a tenant id or domain name (letters, digits, '.', '-')", p.UpstreamTenant)
	}
	return checkOutboundURL("tokenUrl", raw, p.TokenEndpoint())
}

// checkOutboundURL checks a URL this server will call (field names it in
// errors, raw as the admin gave it, u as it will be called): absolute,
// with a host, no user information or fragment, https (http only on a
// loopback host). Which addresses it may reach is the upstream rule's
// business, checked apart.
func checkOutboundURL(field, raw, u string) error {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" || p.Hostname() == "" || p.Opaque != "" {
		return Invalid(field, "%q is not an absolute URL with a host", raw)
	}
	if p.User != nil || p.Fragment != "" {
		return Invalid(field, "%q may not carry user information or a fragment", raw)
	}
	switch {
	case p.Scheme == "https":
	case p.Scheme == "http" && isLoopbackHost(p.Hostname()):
	case p.Scheme == "http":
		return Invalid(field, "%q must use https (http only on a loopback host)", raw)
	default:
		return Invalid(field, "%q: the scheme must be https", raw)
	}
	return nil
}
