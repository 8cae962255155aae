package adminclient

import (
	"context"
	"net/http"
	"net/url"
)

// Collections of browser sign-in (DESIGN §2 "Browser sign-in"); Sessions
// and Consents are keys of Columns, the collections live under a user.
const (
	IdentityProviders = "identityProviders"
	Sessions          = "sessions"
	Consents          = "consents"
)

func init() {
	resourceTypes[IdentityProviders] = "identityProvider"
	// The client secret is write-only: clientSecretSet says whether one is stored.
	Columns[IdentityProviders] = []string{"id", "displayName", "issuer", "clientId", "clientSecretSet",
		"scopes", "usernameClaim", "createUsers", "defaultRoles", "enabled"}
	Columns[Sessions] = []string{"id", "createdAt", "lastSeenAt", "authTime", "methods", "expiresAt"}
	Columns[Consents] = []string{"clientId", "scopes", "createdAt", "updatedAt"}
}

func sessionsOf(user string) string { return "users/" + url.PathEscape(user) + "/sessions" }
func consentsOf(user string) string { return "users/" + url.PathEscape(user) + "/consents" }

// ListSessions reads user's live browser sessions, newest first.
func (c *Client) ListSessions(ctx context.Context, user string) ([]Resource, error) {
	return c.List(ctx, sessionsOf(user), 0)
}

// EndSession signs user out of one session.
func (c *Client) EndSession(ctx context.Context, user, id string) error {
	return c.Delete(ctx, sessionsOf(user), id)
}

// EndSessions signs user out of every session.
func (c *Client) EndSessions(ctx context.Context, user string) error {
	_, err := c.do(ctx, http.MethodDelete, c.collectionPath(sessionsOf(user)), nil)
	return err
}

// ListConsents reads the clients user consented to.
func (c *Client) ListConsents(ctx context.Context, user string) ([]Resource, error) {
	return c.List(ctx, consentsOf(user), 0)
}

// RevokeConsent forgets user's consent to clientID.
func (c *Client) RevokeConsent(ctx context.Context, user, clientID string) error {
	return c.Delete(ctx, consentsOf(user), clientID)
}
