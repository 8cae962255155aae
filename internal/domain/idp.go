package domain

import "time"

// IdentityProvider is an external OpenID Connect provider users of a
// tenant may sign in through. The client secret is sealed with the master
// key, as Tollgate must send it.
type IdentityProvider struct {
	Tenant        string
	ID            string // URL slug: /{t}/login/callback/{id}
	DisplayName   string
	Issuer        string
	ClientID      string
	SealedSecret  []byte
	Scopes        []string
	UsernameClaim string // the ID token claim that names the user: email, preferred_username, sub
	CreateUsers   bool
	DefaultRoles  []string
	Enabled       bool
	// ByOperator: the bootstrap token set the issuer, so Tollgate may
	// reach it at any address, this server's own included; a tenant
	// admin's issuer obeys the upstream allow-list (package upstream).
	ByOperator bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// UserSource is the source of the users the provider signs in.
func (p *IdentityProvider) UserSource() string { return SourceOIDC + p.ID }

// FederatedIdentity links a verified (provider, subject) pair to a user.
type FederatedIdentity struct {
	Tenant    string
	Provider  string
	Subject   string
	UserID    string
	CreatedAt time.Time
}
