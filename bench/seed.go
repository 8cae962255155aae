package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// The fixture every scenario uses: one scope, role, user and application.
const (
	benchScope    = "bench:read"
	benchUser     = "bench"
	benchPassword = "bench password: correct horse battery staple"
)

// fastTenant is a second tenant whose signing key is rotated to EdDSA while
// seeding, with an application of its own: client_credentials_eddsa.
const fastTenant = "fast"

// env is what scenarios need to talk to one seeded server.
type env struct {
	base         string // http://host:port
	gateway      string // http://host:port of the server's gateway
	boot         string // bootstrap token
	clientID     string
	clientSecret string
	// The application of fastTenant.
	fastClientID, fastClientSecret string
	// The web application that signs the bench user in from a browser.
	webClientID, webClientSecret string
	http                         *http.Client
}

// admin sends a JSON:API request with the bootstrap token and decodes the
// response into out (if not nil). want is the expected status; 0 accepts
// any 2xx.
func (e *env) admin(ctx context.Context, method, path string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+e.boot)
	req.Header.Set("Content-Type", "application/vnd.api+json")
	resp, err := e.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want && (want != 0 || resp.StatusCode/100 != 2) {
		return &statusError{resp.StatusCode, fmt.Sprintf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)}
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func resource(typ, id string, attrs map[string]any) map[string]any {
	d := map[string]any{"type": typ, "attributes": attrs}
	if id != "" {
		d["id"] = id
	}
	return map[string]any{"data": d}
}

// seed creates the fixture through the admin API, as an operator would.
func (e *env) seed(ctx context.Context) error {
	const p = "/api/v1/entities/"
	steps := []struct {
		path string
		body any
	}{
		{"scopes", resource("scope", benchScope, map[string]any{"description": "load benchmark"})},
		{"roles", resource("role", "bench", map[string]any{"scopes": []string{benchScope}})},
		{"users", resource("user", benchUser, map[string]any{"password": benchPassword, "roles": []string{"bench"}})},
	}
	for _, s := range steps {
		if err := e.admin(ctx, http.MethodPost, p+s.path, s.body, http.StatusCreated, nil); err != nil {
			return err
		}
	}
	var app struct {
		Data struct {
			Attributes struct{ ClientID, ClientSecret string }
		}
	}
	err := e.admin(ctx, http.MethodPost, p+"applications", resource("application", "", map[string]any{
		"name":          "bench",
		"grantTypes":    []string{"password", "refresh_token", "client_credentials"},
		"scopes":        []string{benchScope},
		"defaultScopes": []string{benchScope},
	}), http.StatusCreated, &app)
	if err != nil {
		return err
	}
	e.clientID, e.clientSecret = app.Data.Attributes.ClientID, app.Data.Attributes.ClientSecret
	if e.clientID == "" || e.clientSecret == "" {
		return fmt.Errorf("application create returned no credentials")
	}
	if err := e.seedWeb(ctx); err != nil {
		return err
	}
	return e.seedFast(ctx)
}

// seedWeb creates the web application of the signin and
// authorization_code scenarios: confidential, first party (no consent
// page), its one redirect URI registered.
func (e *env) seedWeb(ctx context.Context) error {
	var app struct {
		Data struct {
			Attributes struct{ ClientID, ClientSecret string }
		}
	}
	err := e.admin(ctx, http.MethodPost, "/api/v1/entities/applications", resource("application", "", map[string]any{
		"name":         "bench-web",
		"clientType":   "confidential",
		"grantTypes":   []string{"authorization_code", "refresh_token"},
		"redirectUris": []string{webRedirect},
		"scopes":       []string{benchScope},
	}), http.StatusCreated, &app)
	if err != nil {
		return err
	}
	e.webClientID, e.webClientSecret = app.Data.Attributes.ClientID, app.Data.Attributes.ClientSecret
	if e.webClientID == "" || e.webClientSecret == "" {
		return fmt.Errorf("web application create returned no credentials")
	}
	return nil
}

// seedFast creates fastTenant, rotates its key to EdDSA and gives it a
// client_credentials application, all through the admin API.
func (e *env) seedFast(ctx context.Context) error {
	const p = "/" + fastTenant + "/api/v1/"
	err := e.admin(ctx, http.MethodPost, "/api/v1/entities/tenants",
		resource("tenant", fastTenant, map[string]any{"name": "EdDSA-signed tenant"}), http.StatusCreated, nil)
	if err != nil {
		return err
	}
	if err := e.admin(ctx, http.MethodPost, p+"actions/keys/rotate", map[string]string{"alg": "EdDSA"}, http.StatusNoContent, nil); err != nil {
		return err
	}
	err = e.admin(ctx, http.MethodPost, p+"entities/scopes",
		resource("scope", benchScope, map[string]any{"description": "load benchmark"}), http.StatusCreated, nil)
	if err != nil {
		return err
	}
	var app struct {
		Data struct {
			Attributes struct{ ClientID, ClientSecret string }
		}
	}
	err = e.admin(ctx, http.MethodPost, p+"entities/applications", resource("application", "", map[string]any{
		"name":          "bench-eddsa",
		"grantTypes":    []string{"client_credentials"},
		"scopes":        []string{benchScope},
		"defaultScopes": []string{benchScope},
	}), http.StatusCreated, &app)
	if err != nil {
		return err
	}
	e.fastClientID, e.fastClientSecret = app.Data.Attributes.ClientID, app.Data.Attributes.ClientSecret
	if e.fastClientID == "" || e.fastClientSecret == "" {
		return fmt.Errorf("application create in tenant %s returned no credentials", fastTenant)
	}
	return nil
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// token asks the token endpoint for a token outside the measurement. A
// 503 (the password hasher's queue is full, as on a busy machine) is
// retried until ctx ends: the server asks for exactly that.
func (e *env) token(ctx context.Context, form url.Values) (*tokenResponse, error) {
	for {
		t, err := e.tokenOnce(ctx, form)
		var busy *busyError
		if !errors.As(err, &busy) {
			return t, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// busyError is a 503 from the token endpoint.
type busyError struct{ body []byte }

func (e *busyError) Error() string { return fmt.Sprintf("token: status 503: %s", e.body) }

func (e *env) tokenOnce(ctx context.Context, form url.Values) (*tokenResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.base+"/oauth2/token", bytes.NewBufferString(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(e.clientID, e.clientSecret)
	resp, err := e.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusServiceUnavailable {
		return nil, &busyError{b}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("token: status %d: %s", resp.StatusCode, b)
	}
	var t tokenResponse
	return &t, json.Unmarshal(b, &t)
}

func (e *env) passwordToken(ctx context.Context) (*tokenResponse, error) {
	return e.token(ctx, url.Values{"grant_type": {"password"}, "username": {benchUser}, "password": {benchPassword}})
}

func (e *env) clientToken(ctx context.Context) (*tokenResponse, error) {
	return e.token(ctx, url.Values{"grant_type": {"client_credentials"}})
}

// mint gets n tokens with get, from par goroutines at once, before a timed
// phase; it gives up after limit.
func mint(ctx context.Context, n, par int, limit time.Duration, get func(context.Context) (string, error)) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	out := make([]string, n)
	var wg sync.WaitGroup
	errs := make([]error, par)
	for w := range par {
		wg.Go(func() {
			for i := w; i < n; i += par {
				tok, err := get(ctx)
				if err != nil {
					errs[w] = err
					return
				}
				out[i] = tok
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("pre-minting %d tokens: %w", n, err)
		}
	}
	return out, nil
}

// statusError is an unexpected HTTP status from the admin API.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return e.msg }
