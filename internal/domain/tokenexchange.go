package domain

import (
	"net/url"
	"slices"
)

// GrantTokenExchange is RFC 8693's grant type.
const GrantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"

// ExchangeSelf names, among a policy's subject issuers, the tenant's own
// access and API tokens.
const ExchangeSelf = "self"

// Limits of a token exchange policy.
const (
	maxExchangeIssuers   = 20
	maxExchangeAudiences = 50
)

// TokenExchangePolicy says what a client may exchange (RFC 8693): tokens
// of which issuers (ExchangeSelf, or the issuer of one of the tenant's
// identity providers), whether it may get a token that is simply the
// subject's (impersonation) or only one naming itself as the actor
// (delegation), and for which audiences.
type TokenExchangePolicy struct {
	AllowedSubjectIssuers []string `json:"allowedSubjectIssuers"`
	AllowImpersonation    bool     `json:"allowImpersonation"`
	AllowedAudiences      []string `json:"allowedAudiences"`
}

// AllowsIssuer reports whether tokens of issuer may be exchanged.
func (p *TokenExchangePolicy) AllowsIssuer(issuer string) bool {
	return slices.Contains(p.AllowedSubjectIssuers, issuer)
}

// AllowsAudience reports whether a token for aud may be asked for.
func (p *TokenExchangePolicy) AllowsAudience(aud string) bool {
	return slices.Contains(p.AllowedAudiences, aud)
}

// validateTokenExchange checks an application's exchange policy: for a
// confidential client that may use the grant, issuers that are "self" or
// absolute https URLs (http only on loopback, as issuers of tests are),
// bounded lists.
func validateTokenExchange(a *Application) error {
	p := a.TokenExchange
	if p == nil {
		return nil
	}
	if a.IsPublic() {
		return Invalid("tokenExchange", "a public client cannot exchange tokens: it has no credentials")
	}
	if len(p.AllowedSubjectIssuers) == 0 || len(p.AllowedSubjectIssuers) > maxExchangeIssuers {
		return Invalid("tokenExchange/allowedSubjectIssuers", "list 1 to %d issuers (%q for this tenant's own tokens)", maxExchangeIssuers, ExchangeSelf)
	}
	for _, iss := range p.AllowedSubjectIssuers {
		if iss == ExchangeSelf {
			continue
		}
		u, err := url.Parse(iss)
		if err != nil || len(iss) > 2048 || u.Host == "" || u.RawQuery != "" || u.Fragment != "" ||
			(u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname()))) {
			return Invalid("tokenExchange/allowedSubjectIssuers", "%q is neither %q nor an https issuer URL", iss, ExchangeSelf)
		}
	}
	if len(p.AllowedAudiences) > maxExchangeAudiences {
		return Invalid("tokenExchange/allowedAudiences", "at most %d audiences", maxExchangeAudiences)
	}
	for _, aud := range p.AllowedAudiences {
		if aud == "" || len(aud) > 512 {
			return Invalid("tokenExchange/allowedAudiences", "an audience is 1 to 512 characters")
		}
	}
	return nil
}
