package adminclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// TokenRequest asks the token endpoint for a token as a client.
type TokenRequest struct {
	ClientID     string
	ClientSecret string
	GrantType    string // client_credentials or password
	Username     string
	Password     string
	Scope        string   // space-separated
	Resources    []string // RFC 8707 resource indicators
}

// TokenError is an RFC 6749 §5.2 error response.
type TokenError struct {
	Status      int
	Code        string `json:"error"`
	Description string `json:"error_description"`
	RequestID   string `json:"request_id"` // the broker's, for an upstream failure
}

func (e *TokenError) Error() string {
	msg := e.Code
	switch {
	case e.Code == "":
		msg = fmt.Sprintf("token endpoint answered %d %s", e.Status, http.StatusText(e.Status))
	case e.Description != "":
		msg += ": " + e.Description
	}
	if e.RequestID != "" {
		msg += " (request id " + e.RequestID + ")"
	}
	return msg
}

// RequestToken posts tr to the tenant's token endpoint and returns the JSON of
// the successful response as the server sent it.
func (c *Client) RequestToken(ctx context.Context, tr TokenRequest) (json.RawMessage, error) {
	form := url.Values{"grant_type": {tr.GrantType}}
	if tr.Username != "" {
		form.Set("username", tr.Username)
	}
	if tr.Password != "" {
		form.Set("password", tr.Password)
	}
	if tr.Scope != "" {
		form.Set("scope", tr.Scope)
	}
	for _, r := range tr.Resources {
		form.Add("resource", r)
	}
	endpoint := c.BaseURL + c.tenantPrefix() + "/oauth2/token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// RFC 6749 §2.3.1: id and secret are form-url-encoded before Basic.
	req.SetBasicAuth(url.QueryEscape(tr.ClientID), url.QueryEscape(tr.ClientSecret))
	return c.tokenCall(req)
}

// tokenCall sends an OAuth-style request (the token endpoint, the
// broker): the JSON of a 200, else a *TokenError from the error body.
func (c *Client) tokenCall(req *http.Request) (json.RawMessage, error) {
	status, raw, err := c.roundTrip(req, 1<<20)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		te := &TokenError{Status: status}
		_ = json.Unmarshal(raw, te)
		return nil, te
	}
	if !json.Valid(raw) {
		return nil, fmt.Errorf("%s: malformed response", req.URL.Path)
	}
	return raw, nil
}

// tokenColumns are the RFC 6749 §5.1 fields (and Azure AD v1's additions)
// shown in table mode, in this order, when the response has them.
var tokenColumns = []string{"access_token", "token_type", "expires_in", "expires_on", "refresh_token", "scope", "resource"}

// PrintToken prints a token response as a two-column table, or as the JSON
// the server sent.
func PrintToken(w io.Writer, format string, raw json.RawMessage) error {
	if format == FormatJSON {
		return PrintJSON(w, raw)
	}
	r := Resource{}
	if err := json.Unmarshal(raw, &r.Attributes); err != nil {
		return fmt.Errorf("token endpoint: malformed response: %w", err)
	}
	var cols []string
	for _, c := range tokenColumns {
		if _, ok := r.Attributes[c]; ok {
			cols = append(cols, c)
		}
	}
	return PrintOne(w, format, cols, &r)
}
