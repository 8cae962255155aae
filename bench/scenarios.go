package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/bench/load"
)

// scenario prepares per-worker steps against a seeded server. Preparation
// (minting tokens, building bodies) happens before the clock starts.
type scenario struct {
	name string
	// what says what one request exercises, for docs and the report.
	what    string
	prepare func(ctx context.Context, e *env, workers int, budget time.Duration, hint float64) (func(int) load.Step, error)
}

// scenarios run in this order on every database. client_credentials comes
// first: its rate sizes the revoke scenario's pre-minted pool.
var scenarios = []scenario{
	{"client_credentials", "client_secret_post, JWT signed, no refresh token", prepClientCredentials},
	{"client_credentials_eddsa", "the same in tenant fast, whose key was rotated to EdDSA: an Ed25519 signature instead of ES256", prepClientCredentialsEdDSA},
	{"password", "Basic client auth, argon2id verify, JWT + refresh token stored", prepPassword},
	{"signin", "a whole browser sign-in, no session: authorize, sign-in page, sign-in POST (argon2id), code redeemed", prepSignIn},
	{"authorization_code", "code redemption alone: PKCE checked, JWT + ID token signed, refresh token stored", prepAuthorizationCode},
	{"refresh_token", "rotation: each refresh token used once (chained per worker)", prepRefresh},
	{"introspect_jwt", "RFC 7662 on a live JWT access token", prepIntrospect},
	{"revoke", "RFC 7009 on a distinct pre-minted JWT per request (revocation written)", prepRevoke},
	{"introspect_api_token", "RFC 7662 on a personal API token (issue 5)", prepIntrospectAPIToken},
	{"embed_secret", "embed grant, plain form: the tenant's embed secret, no client auth", prepEmbedSecret},
	{"embed_secret_signed", "embed grant, signed form: HMAC over a fresh nonce and timestamp, nonce redeemed in the database", prepEmbedSigned},
	{"gateway", "GET through the gateway: JWT checked (cached verification), scope matched, proxied to a local upstream", prepGateway},
	{"reverse_proxy", "the same GET through a bare httputil.ReverseProxy process: the gateway's floor", prepReverseProxy},
}

// post returns a step that POSTs a fixed form and expects 200.
func post(url string, h http.Header, body string) func(int) load.Step {
	b := []byte(body)
	return func(int) load.Step {
		return func(ctx context.Context, c *http.Client) (int, error) {
			s, _, _, err := load.Post(ctx, c, url, h, b, false)
			return s, err
		}
	}
}

func prepClientCredentials(_ context.Context, e *env, _ int, _ time.Duration, _ float64) (func(int) load.Step, error) {
	body := url.Values{"grant_type": {"client_credentials"}, "client_id": {e.clientID},
		"client_secret": {e.clientSecret}, "resource": {"https://api.example.com"}}.Encode()
	return post(e.base+"/default/oauth2/token", load.FormHeader("", ""), body), nil
}

// prepClientCredentialsEdDSA is client_credentials against fastTenant. One
// token is asked for first and its header checked: a server that ignored
// the rotation's alg would otherwise be measured as EdDSA while signing
// ES256.
func prepClientCredentialsEdDSA(ctx context.Context, e *env, _ int, _ time.Duration, _ float64) (func(int) load.Step, error) {
	tokenURL := e.base + "/" + fastTenant + "/oauth2/token"
	body := url.Values{"grant_type": {"client_credentials"}, "client_id": {e.fastClientID},
		"client_secret": {e.fastClientSecret}, "resource": {"https://api.example.com"}}.Encode()
	h := load.FormHeader("", "")
	s, _, b, err := load.Post(ctx, e.http, tokenURL, h, []byte(body), true)
	if err != nil {
		return nil, err
	}
	if s != http.StatusOK {
		return nil, fmt.Errorf("token in tenant %s: status %d: %s", fastTenant, s, b)
	}
	tok, _ := jsonString(b, "access_token")
	if alg := jwtAlg(tok); alg != "EdDSA" {
		return nil, fmt.Errorf("tenant %s signs with %q, not EdDSA", fastTenant, alg)
	}
	return post(tokenURL, h, body), nil
}

// jwtAlg returns the alg of a compact JWT's header, "" if unreadable.
func jwtAlg(tok string) string {
	hdr, _, _ := strings.Cut(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(hdr)
	if err != nil {
		return ""
	}
	var h struct{ Alg string }
	_ = json.Unmarshal(b, &h)
	return h.Alg
}

func prepPassword(_ context.Context, e *env, _ int, _ time.Duration, _ float64) (func(int) load.Step, error) {
	body := url.Values{"grant_type": {"password"}, "username": {benchUser}, "password": {benchPassword},
		"scope": {benchScope}}.Encode()
	return post(e.base+"/token", load.FormHeader(e.clientID, e.clientSecret), body), nil
}

// errNoRetryAfter marks a 503 that does not tell the client when to retry.
var errNoRetryAfter = errors.New("503 without Retry-After")

// prepPassword256 is the password grant under overload: 503s are expected
// and not errors, but each must carry Retry-After.
func prepPassword256(_ context.Context, e *env, _ int, _ time.Duration, _ float64) (func(int) load.Step, error) {
	body := []byte(url.Values{"grant_type": {"password"}, "username": {benchUser}, "password": {benchPassword}}.Encode())
	h := load.FormHeader(e.clientID, e.clientSecret)
	return func(int) load.Step {
		return func(ctx context.Context, c *http.Client) (int, error) {
			s, resp, _, err := load.Post(ctx, c, e.base+"/token", h, body, false)
			if err == nil && s == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
				return s, errNoRetryAfter
			}
			return s, err
		}
	}, nil
}

// prepRefresh chains: each worker starts from its own refresh token (from
// a password grant made now) and sends the one each answer returns, so
// every token is used exactly once and no pool can run dry. Finding the
// token in the body is a byte search, cheap next to the request.
func prepRefresh(ctx context.Context, e *env, workers int, _ time.Duration, _ float64) (func(int) load.Step, error) {
	toks, err := mint(ctx, workers, 4, time.Minute, func(ctx context.Context) (string, error) {
		t, err := e.passwordToken(ctx)
		if err != nil {
			return "", err
		}
		return t.RefreshToken, nil
	})
	if err != nil {
		return nil, err
	}
	h := load.FormHeader(e.clientID, e.clientSecret)
	return func(i int) load.Step {
		cur := toks[i]
		return func(ctx context.Context, c *http.Client) (int, error) {
			s, _, b, err := load.Post(ctx, c, e.base+"/token", h, []byte("grant_type=refresh_token&refresh_token="+cur), true)
			if err != nil || s != http.StatusOK {
				return s, err
			}
			next, ok := jsonString(b, "refresh_token")
			if !ok {
				return s, errors.New("refresh answer carries no refresh_token")
			}
			cur = next
			return s, nil
		}
	}, nil
}

// jsonString finds "key":"value" in a compact JSON object; token values
// never contain quotes or escapes.
func jsonString(b []byte, key string) (string, bool) {
	i := bytes.Index(b, []byte(`"`+key+`":"`))
	if i < 0 {
		return "", false
	}
	rest := b[i+len(key)+4:]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return "", false
	}
	return string(rest[:j]), true
}

// introspect returns steps that introspect tok and insist it is active, so
// a fast "inactive" answer cannot pass for a result.
func introspect(e *env, tok string) func(int) load.Step {
	body := []byte(url.Values{"token": {tok}}.Encode())
	h := load.FormHeader(e.clientID, e.clientSecret)
	return func(int) load.Step {
		return func(ctx context.Context, c *http.Client) (int, error) {
			s, _, b, err := load.Post(ctx, c, e.base+"/oauth2/introspect", h, body, true)
			if err == nil && s == http.StatusOK && !bytes.Contains(b, []byte(`"active":true`)) {
				return s, errors.New("token introspected as inactive")
			}
			return s, err
		}
	}
}

func prepIntrospect(ctx context.Context, e *env, _ int, _ time.Duration, _ float64) (func(int) load.Step, error) {
	t, err := e.clientToken(ctx)
	if err != nil {
		return nil, err
	}
	return introspect(e, t.AccessToken), nil
}

// prepRevoke pre-mints one access token per expected request: enough for
// the whole run at hint (the client_credentials rate, an upper bound since
// a revocation also writes). A worker that runs dry reports an error
// rather than revoking a token twice.
func prepRevoke(ctx context.Context, e *env, workers int, budget time.Duration, hint float64) (func(int) load.Step, error) {
	n := poolSize(hint, budget, workers)
	toks, err := mint(ctx, n, 8, 3*time.Minute, func(ctx context.Context) (string, error) {
		t, err := e.clientToken(ctx)
		if err != nil {
			return "", err
		}
		return t.AccessToken, nil
	})
	if err != nil {
		return nil, err
	}
	bodies := make([][]byte, len(toks))
	for i, t := range toks {
		bodies[i] = []byte("token=" + t)
	}
	return oneUseBodies(bodies, workers, e.base+"/oauth2/revoke", load.FormHeader(e.clientID, e.clientSecret)), nil
}

// poolSize is how many one-use request bodies a scenario prepares: one per
// request the whole run could make at hint req/s (the client_credentials
// rate, an upper bound for grants that write), with a margin. Without a
// hint (client_credentials did not run) it assumes 15,000 req/s.
func poolSize(hint float64, budget time.Duration, workers int) int {
	if hint <= 0 {
		hint = 15_000
	}
	return min(int(max(hint, 2000)*budget.Seconds()*1.1)+workers, 1_000_000)
}

// oneUseBodies splits bodies between workers; each body is posted once. A
// worker that runs dry reports an error rather than send one twice.
func oneUseBodies(bodies [][]byte, workers int, url string, h http.Header) func(int) load.Step {
	per := len(bodies) / workers
	return func(i int) load.Step {
		mine := bodies[i*per : (i+1)*per]
		return func(ctx context.Context, c *http.Client) (int, error) {
			if len(mine) == 0 {
				return 0, errors.New("ran out of prepared one-use requests")
			}
			body := mine[0]
			mine = mine[1:]
			s, _, _, err := load.Post(ctx, c, url, h, body, false)
			return s, err
		}
	}
}

// errSkip means the server lacks what a scenario needs; it is reported, not
// failed.
var errSkip = errors.New("skipped")

// prepIntrospectAPIToken needs personal API tokens (issue 5). It probes
// the endpoint and skips the scenario while the server answers 404/405
// (the route does not exist yet); any other failure is a real error.
func prepIntrospectAPIToken(ctx context.Context, e *env, _ int, _ time.Duration, _ float64) (func(int) load.Step, error) {
	var out struct {
		Data struct {
			Attributes struct{ BearerToken string }
		}
	}
	path := "/api/v1/entities/users/" + benchUser + "/apiTokens"
	err := e.admin(ctx, http.MethodPost, path, resource("apiToken", fmt.Sprintf("bench%d", time.Now().UnixNano()),
		map[string]any{}), http.StatusCreated, &out)
	var se *statusError
	if errors.As(err, &se) && (se.code == http.StatusNotFound || se.code == http.StatusMethodNotAllowed) {
		return nil, fmt.Errorf("%w: POST %s answers %d (personal API tokens not implemented yet)", errSkip, path, se.code)
	}
	if err != nil {
		return nil, err
	}
	return introspect(e, out.Data.Attributes.BearerToken), nil
}
