package adminclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

// ImportReport is the server's report of a user import.
type ImportReport struct {
	Created int              `json:"created"`
	Updated int              `json:"updated"`
	Skipped int              `json:"skipped"`
	Failed  int              `json:"failed"`
	Errors  []ImportRowError `json:"errors"`
	Aborted string           `json:"aborted,omitempty"`
}

// ImportRowError is one bad row of an import.
type ImportRowError struct {
	Line     int    `json:"line"`
	Username string `json:"username,omitempty"`
	Reason   string `json:"reason"`
}

// ImportUsers streams csv (with a header row) to the tenant's import
// action; source is "csv" or "database". The upload has no client
// timeout: a large file takes as long as the server needs.
func (c *Client) ImportUsers(ctx context.Context, csv io.Reader, source string) (*ImportReport, error) {
	path := c.tenantPrefix() + "/api/v1/actions/users/import?source=" + url.QueryEscape(source)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+path, csv)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Accept", "application/vnd.api+json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := *c.HTTP
	hc.Timeout = 0
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var doc struct {
		Data *struct {
			Attributes ImportReport `json:"attributes"`
		} `json:"data"`
		Errors []jsonapi.ErrorObject `json:"errors"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 16<<20)).Decode(&doc); err != nil && res.StatusCode < 300 {
		return nil, fmt.Errorf("import: malformed response: %w", err)
	}
	if res.StatusCode >= 300 || doc.Data == nil {
		return nil, &Error{Status: res.StatusCode, Errors: doc.Errors, NoToken: c.Token == ""}
	}
	return &doc.Data.Attributes, nil
}

// EmbedSettings reads the tenant's embed settings.
func (c *Client) EmbedSettings(ctx context.Context) (*Resource, error) {
	return c.one(ctx, http.MethodGet, c.collectionPath("embedSettings"), nil)
}

// UpdateEmbedSettings changes the given embed settings attributes.
func (c *Client) UpdateEmbedSettings(ctx context.Context, attrs map[string]any) (*Resource, error) {
	return c.one(ctx, http.MethodPatch, c.collectionPath("embedSettings"), &Resource{Type: "embedSettings", Attributes: attrs})
}

// RegenerateEmbedSecret makes a new embed secret; the answer carries it
// in attributes.embedSecret, the only time it is shown.
func (c *Client) RegenerateEmbedSecret(ctx context.Context) (*Resource, error) {
	return c.one(ctx, http.MethodPost, c.collectionPath("embedSettings")+"/secret", nil)
}
