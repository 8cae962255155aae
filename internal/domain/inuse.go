package domain

import (
	"fmt"
	"strings"
)

// Uses counts the records that name a role or a scope: users hold roles,
// identity providers give them to the users they create (defaultRoles);
// roles, applications (scopes or defaultScopes) and APIs (a resource's
// scopes) name scopes; broker providers let a role's holders get their
// tokens (allowedRoles).
type Uses struct {
	Users, Roles, Applications, APIs, IdentityProviders, BrokerProviders int
}

// Total is the number of records in u.
func (u Uses) Total() int {
	return u.Users + u.Roles + u.Applications + u.APIs + u.IdentityProviders + u.BrokerProviders
}

// String lists the non-zero counts: "3 users and 1 application".
func (u Uses) String() string {
	var parts []string
	for _, c := range []struct {
		n    int
		noun string
	}{{u.Users, "user"}, {u.Roles, "role"}, {u.Applications, "application"}, {u.APIs, "API"},
		{u.IdentityProviders, "identity provider"}, {u.BrokerProviders, "broker provider"}} {
		switch {
		case c.n == 1:
			parts = append(parts, "1 "+c.noun)
		case c.n > 1:
			parts = append(parts, fmt.Sprintf("%d %ss", c.n, c.noun))
		}
	}
	switch len(parts) {
	case 0:
		return "nothing"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// InUseError refuses to delete a role or scope that records still name.
// It wraps ErrConflict, so the API answers 409. A forced delete removes
// the name from users, roles, applications, identity providers and broker
// providers, which only narrows what they grant, but never from an API:
// dropping a scope an API resource requires would let every token through.
type InUseError struct {
	Kind string // "role" or "scope"
	ID   string
	Uses Uses
}

func (e *InUseError) Error() string {
	msg := fmt.Sprintf("%s %q is in use by %s", e.Kind, e.ID, e.Uses)
	if e.Uses.APIs > 0 {
		return msg + "; remove it from the APIs' resources first: force never widens what an API lets through"
	}
	return msg + "; delete with force=true to remove it from them as well"
}

func (e *InUseError) Unwrap() error { return ErrConflict }
