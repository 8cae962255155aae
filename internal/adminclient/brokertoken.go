package adminclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
// what a page of the tenant would get. A refusal wraps a *TokenError.
func (c *Client) BrokerToken(ctx context.Context, id string) (*BrokerToken, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		c.BaseURL+c.tenantPrefix()+"/broker/"+url.PathEscape(id)+"/token", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	raw, err := c.tokenCall(req)
	var te *TokenError
	if errors.As(err, &te) {
		return nil, fmt.Errorf("broker answered %d %s: %w", te.Status, http.StatusText(te.Status), te)
	}
	if err != nil {
		return nil, err
	}
	var t BrokerToken
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("broker: malformed answer: %w", err)
	}
	return &t, nil
}
