package adminclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

// ConfigResult is the server's answer to applying a configuration
// document.
type ConfigResult struct {
	Tenant  string `json:"tenant"`
	DryRun  bool   `json:"dryRun"`
	Changes []struct {
		Op         string   `json:"op"`
		Kind       string   `json:"kind"`
		ID         string   `json:"id"`
		Attributes []string `json:"attributes"`
	} `json:"changes"`
	Secrets []struct {
		Kind   string `json:"kind"`
		ID     string `json:"id"`
		Name   string `json:"name"`
		Secret string `json:"secret"`
	} `json:"secrets"`
}

// ExportConfig returns tenant's configuration document, as JSON.
func (c *Client) ExportConfig(ctx context.Context, tenant string) ([]byte, error) {
	return c.plain(ctx, http.MethodGet, configPath(tenant, "export"), nil)
}

// ApplyConfig applies doc (JSON) to tenant.
func (c *Client) ApplyConfig(ctx context.Context, tenant string, doc []byte, prune, dryRun bool) (*ConfigResult, error) {
	q := url.Values{}
	if prune {
		q.Set("prune", "true")
	}
	if dryRun {
		q.Set("dryRun", "true")
	}
	path := configPath(tenant, "apply")
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	raw, err := c.plain(ctx, http.MethodPost, path, doc)
	if err != nil {
		return nil, err
	}
	var res ConfigResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, fmt.Errorf("apply: malformed response: %w", err)
	}
	return &res, nil
}

func configPath(tenant, action string) string {
	p := "/api/v1/actions/config/" + action
	if tenant != domain.DefaultTenant {
		p = "/" + url.PathEscape(tenant) + p
	}
	return p
}

// plain sends a request whose answer is plain JSON, not a JSON:API
// document; errors are JSON:API errors documents all the same.
func (c *Client) plain(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	contentType := ""
	if body != nil {
		contentType = "application/json"
	}
	status, raw, err := c.admin(ctx, method, path, contentType, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if status >= 300 {
		var doc jsonapi.RawDocument
		_ = json.Unmarshal(raw, &doc)
		return nil, &Error{Status: status, Errors: doc.Errors, NoToken: c.Token == ""}
	}
	return raw, nil
}
