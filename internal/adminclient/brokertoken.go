package adminclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// BrokerToken is the broker's answer for a provider.
type BrokerToken struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	ExpiresOn   int64  `json:"expires_on"`
	Resource    string `json:"resource"`
}

// BrokerToken asks the broker for provider id's upstream token, as the
// client's token (the bootstrap token, or one with scope broker:{id}):
// what a page of the tenant would get.
func (c *Client) BrokerToken(ctx context.Context, id string) (*BrokerToken, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		c.BaseURL+c.tenantPrefix()+"/broker/"+url.PathEscape(id)+"/token", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	res, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
			RequestID   string `json:"request_id"`
		}
		_ = json.Unmarshal(raw, &e)
		msg := fmt.Sprintf("%d %s: %s: %s", res.StatusCode, http.StatusText(res.StatusCode), e.Error, e.Description)
		if e.RequestID != "" {
			msg += " (request id " + e.RequestID + ")"
		}
		return nil, fmt.Errorf("%s", msg)
	}
	var t BrokerToken
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("broker: malformed answer: %w", err)
	}
	return &t, nil
}
