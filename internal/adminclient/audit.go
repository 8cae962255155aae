package adminclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Audit reads the tenant's audit events matching filters (the query
// parameters of GET /api/v1/audit: since, until, action, grant, outcome,
// client, user), newest first, following links.next until max events
// (0: all).
func (c *Client) Audit(ctx context.Context, filters url.Values, max int) ([]Resource, error) {
	q := url.Values{}
	for k, v := range filters {
		if len(v) > 0 && v[0] != "" {
			q.Set(k, v[0])
		}
	}
	if max > 0 && max < 500 {
		q.Set("page[size]", strconv.Itoa(max))
	}
	next := c.tenantPrefix() + "/api/v1/audit"
	if len(q) > 0 {
		next += "?" + q.Encode()
	}
	var all []Resource
	for next != "" && (max <= 0 || len(all) < max) {
		doc, err := c.do(ctx, http.MethodGet, next, nil)
		if err != nil {
			return nil, err
		}
		var page []Resource
		if err := json.Unmarshal(doc.Data, &page); err != nil {
			return nil, fmt.Errorf("decoding audit events: %w", err)
		}
		all = append(all, page...)
		next = ""
		if doc.Links != nil {
			next = doc.Links.Next
		}
	}
	if max > 0 && len(all) > max {
		all = all[:max]
	}
	return all, nil
}
