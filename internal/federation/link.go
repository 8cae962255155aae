package federation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Reasons a verified identity is not let in.
const (
	reasonExists     = "an account with this name exists; ask an admin"
	reasonNoAccount  = "you have no account here; ask an admin"
	reasonDisabled   = "your account is disabled"
	reasonNoUsername = "the provider did not say who you are"
	reasonBadName    = "the provider's user name cannot be used here; ask an admin"
)

// signIn finds, links or creates the user of a verified identity.
func (f *Federation) signIn(ctx context.Context, p *domain.IdentityProvider, id *identity, returnTo string) (*Result, error) {
	res := &Result{ReturnTo: returnTo, Provider: p.ID, Subject: id.subject}
	err := f.resolve(ctx, p, id, res)
	if errors.Is(err, domain.ErrConflict) {
		// A concurrent first sign-in of the same identity (or an admin
		// creating the name) won the race; what it stored decides now.
		*res = Result{ReturnTo: returnTo, Provider: p.ID, Subject: id.subject}
		err = f.resolve(ctx, p, id, res)
	}
	var fe *Error
	switch {
	case errors.As(err, &fe):
		return nil, err
	case errors.Is(err, domain.ErrConflict):
		// Still a conflict with nothing of ours found: the user is linked
		// to another subject of this provider.
		return nil, fail(p, reasonExists, err)
	case err != nil:
		return nil, fail(p, reasonInternal, err)
	case res.User.Disabled:
		return nil, fail(p, reasonDisabled, fmt.Errorf("user %q is disabled", res.User.ID))
	}
	return res, nil
}

// resolve sets res.User to the user of id:
//  1. the user linked to (provider, subject);
//  2. else the user named by the username claim, if the provider made
//     it (source oidc:<provider>, e.g. provisioned ahead by an admin):
//     the identity is linked to it. A user of any other source, a local
//     password above all, is never taken over, even with the same name
//     or email: that is for an admin to decide;
//  3. else, when the provider may create users, a new user with the
//     provider's default roles.
//
// domain.ErrConflict: a concurrent write got there first.
func (f *Federation) resolve(ctx context.Context, p *domain.IdentityProvider, id *identity, res *Result) error {
	u, err := f.st.FederatedUser(ctx, p.Tenant, p.ID, id.subject)
	if err == nil {
		res.User = u
		return nil
	}
	if !errors.Is(err, domain.ErrNotFound) {
		return err
	}
	name, err := username(p, id)
	if err != nil {
		return err
	}
	link := &domain.FederatedIdentity{Tenant: p.Tenant, Provider: p.ID, Subject: id.subject, UserID: name,
		CreatedAt: f.now()}
	u, err = f.st.GetUser(ctx, p.Tenant, name)
	switch {
	case err == nil && u.Source != p.UserSource():
		return fail(p, reasonExists, fmt.Errorf("user %q has source %q, not %q", name, u.Source, p.UserSource()))
	case err == nil:
		if err := f.st.LinkIdentity(ctx, p.Tenant, link); err != nil {
			return err
		}
		res.User, res.Linked = u, true
		return nil
	case !errors.Is(err, domain.ErrNotFound):
		return err
	case !p.CreateUsers:
		return fail(p, reasonNoAccount, fmt.Errorf("no user %q and the provider creates none", name))
	}
	u = newUser(p, name, id, f.now())
	if err := f.st.CreateFederatedUser(ctx, p.Tenant, u, link); err != nil {
		return err
	}
	res.User, res.Created = u, true
	return nil
}

// username is the user name the provider's username claim gives, in
// its stored form; "" or no claim: sub.
func username(p *domain.IdentityProvider, id *identity) (string, error) {
	claim := p.UsernameClaim
	if claim == "" {
		claim = domain.ClaimSubject
	}
	v, ok := id.claims[claim].(string)
	if !ok || v == "" {
		return "", fail(p, reasonNoUsername, fmt.Errorf("the ID token has no string claim %q", claim))
	}
	// An address the provider has not verified names no one: anyone can
	// type another person's address into their profile there.
	if claim == domain.ClaimEmail && emailUnverified(id.claims) {
		return "", fail(p, reasonNoUsername, errors.New("the ID token's email is not verified"))
	}
	name, err := domain.NormalizeUsername(v)
	if err == nil {
		err = domain.ValidateUser(&domain.User{ID: name})
	}
	if err != nil {
		return "", fail(p, reasonBadName, fmt.Errorf("claim %q: %w", claim, err))
	}
	return name, nil
}

// emailUnverified reports an email_verified claim that says no: false,
// or the string "false" some providers (Amazon Cognito) send. A provider
// that leaves the claim out vouches for its addresses (Azure AD does).
func emailUnverified(claims map[string]any) bool {
	switch v := claims["email_verified"].(type) {
	case bool:
		return !v
	case string:
		return !strings.EqualFold(v, "true")
	}
	return false
}

// newUser is the user a provider creates for a new identity: no
// password, the provider's default roles, and the email and name the
// token gives when they are fit to store (they are optional).
func newUser(p *domain.IdentityProvider, name string, id *identity, now time.Time) *domain.User {
	u := &domain.User{Tenant: p.Tenant, ID: name, Roles: slices.Clone(p.DefaultRoles), Source: p.UserSource(),
		CreatedAt: now, UpdatedAt: now}
	if email, ok := id.claims[domain.ClaimEmail].(string); ok && !emailUnverified(id.claims) {
		u.Email = email
		if domain.ValidateUser(u) != nil {
			u.Email = ""
		}
	}
	if display, ok := id.claims["name"].(string); ok {
		u.DisplayName = display
		if domain.ValidateUser(u) != nil {
			u.DisplayName = ""
		}
	}
	return u
}
