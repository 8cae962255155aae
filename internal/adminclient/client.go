// Package adminclient is a small client of Tollgate's admin API (JSON:API)
// and token endpoint, used by the CLI. It surfaces the server's error
// details as Go errors and prints resources as tables or JSON.
package adminclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

// Collections of the admin API.
const (
	Tenants      = "tenants"
	Users        = "users"
	Roles        = "roles"
	Scopes       = "scopes"
	Applications = "applications"
)

// resourceTypes maps a collection to the type of its members.
var resourceTypes = map[string]string{
	Tenants: "tenant", Users: "user", Roles: "role", Scopes: "scope", Applications: "application",
}

// Resource is a resource object as the client sees it.
type Resource struct {
	Type       string         `json:"type"`
	ID         string         `json:"id,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// Client talks to one server as one credential, in one tenant.
type Client struct {
	BaseURL string // e.g. http://127.0.0.1:8080
	Token   string // bearer token of the admin API
	Tenant  string
	HTTP    *http.Client
}

// New returns a Client.
func New(baseURL, token, tenant string) *Client {
	if tenant == "" {
		tenant = domain.DefaultTenant
	}
	return &Client{
		BaseURL: strings.TrimSuffix(baseURL, "/"),
		Token:   token,
		Tenant:  tenant,
		HTTP:    &http.Client{Timeout: 30 * time.Second},
	}
}

// Error is a refusal by the server.
type Error struct {
	Status int
	Errors []jsonapi.ErrorObject
	// NoToken records that the request carried no credential, so a 401
	// can say which setting is missing.
	NoToken bool
}

func (e *Error) Error() string {
	return e.message() + e.hint()
}

// hint tells a CLI user what to do about a 401, the first error a
// newcomer meets.
func (e *Error) hint() string {
	switch {
	case e.Status != http.StatusUnauthorized:
		return ""
	case e.NoToken:
		return " (no token given: set TOLLGATE_TOKEN or --token to the bootstrap token or an admin's token)"
	default:
		return " (check TOLLGATE_TOKEN or --token: the server refused that token)"
	}
}

func (e *Error) message() string {
	if len(e.Errors) == 0 {
		return fmt.Sprintf("server answered %d %s", e.Status, http.StatusText(e.Status))
	}
	msgs := make([]string, 0, len(e.Errors))
	for _, o := range e.Errors {
		m := o.Detail
		if m == "" {
			m = o.Title
		}
		if o.ID != "" {
			m += " (request id " + o.ID + ")"
		}
		msgs = append(msgs, m)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), strings.Join(msgs, "; "))
}

// collectionPath is where a collection lives; tenants and gateway
// credentials are not tenant-scoped.
func (c *Client) collectionPath(collection string) string {
	if collection == Tenants || collection == GatewayCredentials {
		return "/api/v1/entities/" + collection
	}
	return c.tenantPrefix() + "/api/v1/entities/" + collection
}

func (c *Client) tenantPrefix() string {
	return "/" + url.PathEscape(c.Tenant)
}

func (c *Client) memberPath(collection, id string) string {
	return c.collectionPath(collection) + "/" + url.PathEscape(id)
}

// Create creates a resource in collection; id may be "" where the server
// assigns it (applications).
func (c *Client) Create(ctx context.Context, collection, id string, attrs map[string]any) (*Resource, error) {
	body := Resource{Type: resourceTypes[collection], ID: id, Attributes: attrs}
	return c.one(ctx, http.MethodPost, c.collectionPath(collection), &body)
}

// Get reads one resource.
func (c *Client) Get(ctx context.Context, collection, id string) (*Resource, error) {
	return c.one(ctx, http.MethodGet, c.memberPath(collection, id), nil)
}

// Update changes the given attributes of a resource.
func (c *Client) Update(ctx context.Context, collection, id string, attrs map[string]any) (*Resource, error) {
	body := Resource{Type: resourceTypes[collection], ID: id, Attributes: attrs}
	return c.one(ctx, http.MethodPatch, c.memberPath(collection, id), &body)
}

// Delete removes a resource.
func (c *Client) Delete(ctx context.Context, collection, id string) error {
	_, err := c.do(ctx, http.MethodDelete, c.memberPath(collection, id), nil)
	return err
}

// ForceDelete removes a role or scope that records still name, together
// with those uses (?force=true); plain Delete answers 409 then.
func (c *Client) ForceDelete(ctx context.Context, collection, id string) error {
	_, err := c.do(ctx, http.MethodDelete, c.memberPath(collection, id)+"?force=true", nil)
	return err
}

// List reads a whole collection, following links.next; pageSize 0 lets
// the server choose.
func (c *Client) List(ctx context.Context, collection string, pageSize int) ([]Resource, error) {
	next := c.collectionPath(collection)
	if pageSize > 0 {
		next += "?page%5Bsize%5D=" + strconv.Itoa(pageSize)
	}
	var all []Resource
	for next != "" {
		doc, err := c.do(ctx, http.MethodGet, next, nil)
		if err != nil {
			return nil, err
		}
		var page []Resource
		if err := json.Unmarshal(doc.Data, &page); err != nil {
			return nil, fmt.Errorf("decoding %s: %w", collection, err)
		}
		all = append(all, page...)
		next = ""
		if doc.Links != nil {
			next = doc.Links.Next
		}
	}
	return all, nil
}

// RotateApplicationSecret gives an application a new secret and returns
// the application with it.
func (c *Client) RotateApplicationSecret(ctx context.Context, clientID string) (*Resource, error) {
	return c.one(ctx, http.MethodPost, c.memberPath(Applications, clientID)+"/secret", nil)
}

// UnlockUser clears a user's failed sign-ins, so they may sign in again
// at once.
func (c *Client) UnlockUser(ctx context.Context, id string) error {
	_, err := c.send(ctx, http.MethodPost, c.tenantPrefix()+"/api/v1/actions/users/"+url.PathEscape(id)+"/unlock", nil)
	return err
}

// RotateSigningKey makes a new signing key for the tenant with algorithm
// alg (ES256, EdDSA, RS256); empty keeps the active key's algorithm.
func (c *Client) RotateSigningKey(ctx context.Context, alg string) error {
	var body io.Reader
	if alg != "" {
		b, err := json.Marshal(map[string]string{"alg": alg})
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	_, err := c.send(ctx, http.MethodPost, c.tenantPrefix()+"/api/v1/actions/keys/rotate", body)
	return err
}

func (c *Client) one(ctx context.Context, method, path string, body *Resource) (*Resource, error) {
	doc, err := c.do(ctx, method, path, body)
	if err != nil {
		return nil, err
	}
	var res Resource
	if err := json.Unmarshal(doc.Data, &res); err != nil {
		return nil, fmt.Errorf("decoding response: %w", err)
	}
	return &res, nil
}

// do sends a request with body as data and returns the parsed response
// document (empty for 204).
func (c *Client) do(ctx context.Context, method, path string, body *Resource) (*jsonapi.RawDocument, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(map[string]any{"data": body})
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	return c.send(ctx, method, path, rd)
}

// send sends a request with a JSON body (nil for none) and returns the
// parsed response document (empty for 204).
func (c *Client) send(ctx context.Context, method, path string, body io.Reader) (*jsonapi.RawDocument, error) {
	contentType := ""
	if body != nil {
		contentType = jsonapi.MediaType
	}
	status, raw, err := c.admin(ctx, method, path, contentType, body)
	if err != nil {
		return nil, err
	}
	var doc jsonapi.RawDocument
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &doc); err != nil && status < 300 {
			return nil, fmt.Errorf("%s %s: malformed response: %w", method, path, err)
		}
	}
	if status >= 300 {
		return nil, &Error{Status: status, Errors: doc.Errors, NoToken: c.Token == ""}
	}
	return &doc, nil
}

// admin sends a request to the admin API with the client's token and
// returns the answer's status and body.
func (c *Client) admin(ctx context.Context, method, path, contentType string, body io.Reader) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", jsonapi.MediaType)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return c.roundTrip(req, 16<<20)
}

// roundTrip sends req and reads at most limit bytes of the answer.
func (c *Client) roundTrip(req *http.Request, limit int64) (int, []byte, error) {
	res, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, limit))
	return res.StatusCode, raw, err
}
