package adminclient

import (
	"context"
	"net/http"
	"net/url"
)

// APITokens is the key of Columns for a user's API tokens.
const APITokens = "apiTokens"

func init() {
	// The secret is a column only in the create answer, the one place it
	// is set; list and get never carry it.
	Columns[APITokens] = []string{"id", "scopes", "description", "createdAt", "expiresAt", "lastUsedAt"}
}

// apiTokensOf is the collection of user's API tokens, relative to the
// tenant's entities.
func apiTokensOf(user string) string { return "users/" + url.PathEscape(user) + "/apiTokens" }

// CreateAPIToken creates API token id for user; the answer's bearerToken
// attribute is the token, shown this once.
func (c *Client) CreateAPIToken(ctx context.Context, user, id string, attrs map[string]any) (*Resource, error) {
	body := Resource{Type: "apiToken", ID: id, Attributes: attrs}
	return c.one(ctx, http.MethodPost, c.collectionPath(apiTokensOf(user)), &body)
}

// ListAPITokens reads all of user's API tokens (never their secrets).
func (c *Client) ListAPITokens(ctx context.Context, user string) ([]Resource, error) {
	return c.List(ctx, apiTokensOf(user), 0)
}

// DeleteAPIToken deletes one of user's API tokens; it stops working at once.
func (c *Client) DeleteAPIToken(ctx context.Context, user, id string) error {
	return c.Delete(ctx, apiTokensOf(user), id)
}
