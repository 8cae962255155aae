package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-dev/tollgate/bench/load"
	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Browser sign-in (issue 14): the signin scenario is the whole flow a
// browser and a web application go through, the authorization_code
// scenario the web application's code redemption alone.

const (
	// webRedirect is the bench web application's redirect URI. Nothing
	// listens there: the code is read from the Location header.
	webRedirect = "http://127.0.0.1:9/callback"
	// webScope is what the web application asks for: an ID token too.
	webScope = domain.ScopeOpenID + " " + benchScope
)

// Codes live domain.AuthCodeTTL (60 s) from the moment they are minted.
// The authorization_code scenario mints them before the clock starts, so
// minting and the whole measured run must fit in codeWindow; a code older
// than codeUsable is never sent (the step reports an error instead).
const (
	codeWindow = domain.AuthCodeTTL - 10*time.Second
	codeUsable = domain.AuthCodeTTL - 2*time.Second
	minMint    = 3 * time.Second
)

// expiring names the scenarios whose prepared requests expire: the
// harness waits for quiet (BENCH_QUIET) before preparing them rather than
// between preparing and measuring, which could take a minute.
var expiring = map[string]bool{"authorization_code": true}

// webFlow drives the authorization code flow of the bench web application
// for the bench user, as a browser without cookies would.
type webFlow struct {
	base        string
	authorize   string // the authorization endpoint, without a query
	tokenHeader http.Header
	tokenURL    string
}

func newWebFlow(e *env) *webFlow {
	return &webFlow{base: e.base, authorize: e.base + "/oauth2/authorize", tokenURL: e.base + "/oauth2/token",
		tokenHeader: load.FormHeader(e.webClientID, e.webClientSecret)}
}

// authorizeURL starts a fresh authorization request: its own PKCE pair,
// state and nonce. It returns the URL, the verifier and the state.
func (f *webFlow) authorizeURL(clientID string) (u, verifier, state string) {
	b := make([]byte, 32)
	rand.Read(b)
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	state = rand.Text()
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {webRedirect},
		"scope": {webScope}, "state": {state}, "nonce": {rand.Text()},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	return f.authorize + "?" + q.Encode(), verifier, state
}

// hopError is an unexpected answer at one hop of the flow.
func hopError(hop string, status int, body []byte) error {
	if len(body) > 200 {
		body = body[:200]
	}
	return fmt.Errorf("%s: status %d: %s", hop, status, body)
}

// signIn runs authorize → sign-in page → sign-in POST over c, which must
// not follow redirects, and returns the code with its verifier and the
// session cookie the sign-in set (as a Cookie header value). status is
// the failing hop's when err is set.
func (f *webFlow) signIn(ctx context.Context, c *http.Client, clientID string) (code, verifier, session string, status int, err error) {
	authURL, verifier, state := f.authorizeURL(clientID)
	s, resp, b, err := load.Send(ctx, c, http.MethodGet, authURL, http.Header{}, nil, true)
	if err != nil {
		return "", "", "", s, err
	}
	loc := resp.Header.Get("Location")
	if s != http.StatusSeeOther || !strings.Contains(loc, "/login?") {
		return "", "", "", s, hopError("authorize", s, b)
	}
	s, resp, b, err = load.Send(ctx, c, http.MethodGet, f.base+loc, http.Header{}, nil, true)
	if err != nil {
		return "", "", "", s, err
	}
	csrf, okC := hiddenField(b, "csrf_token")
	authz, okA := hiddenField(b, "authz")
	action, okF := between(b, `<form method="post" action="`)
	if s != http.StatusOK || !okC || !okA || !okF {
		return "", "", "", s, hopError("sign-in page", s, b)
	}
	form := url.Values{"csrf_token": {csrf}, "authz": {authz}, "username": {benchUser}, "password": {benchPassword}}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {f.base},
		"Sec-Fetch-Site": {"same-origin"}, "Cookie": {cookies(resp)}}
	s, resp, b, err = load.Send(ctx, c, http.MethodPost, f.base+action, h, []byte(form.Encode()), true)
	if err != nil {
		return "", "", "", s, err
	}
	loc = resp.Header.Get("Location")
	if s != http.StatusSeeOther || !strings.HasPrefix(loc, webRedirect+"?") {
		return "", "", "", s, hopError("sign-in", s, b)
	}
	code, err = codeFrom(loc, state)
	return code, verifier, cookies(resp), s, err
}

// codeFrom reads the code from the client's redirect URI and checks state.
func codeFrom(loc, state string) (string, error) {
	u, err := url.Parse(loc)
	if err != nil {
		return "", err
	}
	q := u.Query()
	if q.Get("code") == "" || q.Get("state") != state {
		return "", fmt.Errorf("authorization response without a code or with another state: %s", loc)
	}
	return q.Get("code"), nil
}

// redeemBody is the token request that redeems code.
func redeemBody(code, verifier string) []byte {
	return []byte(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"redirect_uri": {webRedirect}}.Encode())
}

// redeem posts body to the token endpoint and insists on an access token.
func (f *webFlow) redeem(ctx context.Context, c *http.Client, body []byte) (int, error) {
	s, _, b, err := load.Post(ctx, c, f.tokenURL, f.tokenHeader, body, true)
	if err != nil {
		return s, err
	}
	if s != http.StatusOK {
		return s, hopError("token", s, b)
	}
	if _, ok := jsonString(b, "access_token"); !ok {
		return s, errors.New("token answer carries no access_token")
	}
	return s, nil
}

// hiddenField returns the value of the page's hidden input name.
func hiddenField(body []byte, name string) (string, bool) {
	return between(body, `<input type="hidden" name="`+name+`" value="`)
}

// between returns the HTML-unescaped text from after marker to the next
// quote.
func between(body []byte, marker string) (string, bool) {
	i := bytes.Index(body, []byte(marker))
	if i < 0 {
		return "", false
	}
	rest := body[i+len(marker):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return "", false
	}
	return html.UnescapeString(string(rest[:j])), true
}

// cookies is what a browser sends back of the cookies resp sets.
func cookies(resp *http.Response) string {
	var parts []string
	for _, c := range resp.Cookies() {
		if c.Value != "" && c.MaxAge >= 0 {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	return strings.Join(parts, "; ")
}

// prepSignIn: each step is a whole sign-in with no session, counted as
// one request. Every worker's client carries no cookie jar: the cookies a
// hop sets are sent back by hand, and only within the step.
func prepSignIn(_ context.Context, e *env, _ int, _ time.Duration, _ float64) (func(int) load.Step, error) {
	f := newWebFlow(e)
	return func(int) load.Step {
		return func(ctx context.Context, c *http.Client) (int, error) {
			code, verifier, _, s, err := f.signIn(ctx, c, e.webClientID)
			if s == http.StatusServiceUnavailable {
				// The hasher shed the load, as the password grant does: a
				// refused request, counted by status like the grant's.
				return s, nil
			}
			if err != nil {
				return s, err
			}
			return f.redeem(ctx, c, redeemBody(code, verifier))
		}
	}, nil
}

// prepAuthorizationCode mints codes by single sign-on: each of a few
// minting goroutines signs in once, then asks the authorization endpoint
// again and again with its session cookie, one code per request and no
// password hash. It wants one code per request the run could make at hint
// (poolSize), but the oldest code must still be valid when the run ends:
// minting stops after 3 × budget (at least minMint) or codeWindow −
// budget, whichever is shorter: 36 s for the default 12 s. That covers a
// redemption rate up to three times the minting rate (measured on two
// cores: 2,900 codes/s minted by 16 browsers, 3,000 redeemed/s by the
// run's 32 clients). A worker that runs out reports errors, and a code
// older than codeUsable is never sent.
func prepAuthorizationCode(ctx context.Context, e *env, workers int, budget time.Duration, hint float64) (func(int) load.Step, error) {
	mintFor := min(max(3*budget, minMint), codeWindow-budget)
	if mintFor < minMint {
		return nil, fmt.Errorf("a run of %v leaves under %v to mint codes that live %v: shorten BENCH_WARMUP + BENCH_DURATION",
			budget, minMint, domain.AuthCodeTTL)
	}
	want := poolSize(hint, budget, workers)
	f := newWebFlow(e)
	began := time.Now()
	bodies, err := f.mintCodes(ctx, e, want, min(workers, 16), began.Add(mintFor))
	if err != nil {
		return nil, err
	}
	took := time.Since(began)
	capped := ""
	if len(bodies) < want {
		capped = fmt.Sprintf(", stopped after %v (wanted %d)", mintFor, want)
	}
	logf("  authorization_code: %d codes minted in %v (%.0f/s)%s", len(bodies), took.Round(time.Millisecond),
		float64(len(bodies))/took.Seconds(), capped)
	if len(bodies) < workers {
		return nil, fmt.Errorf("minted only %d codes for %d workers", len(bodies), workers)
	}
	usable := began.Add(codeUsable)
	per := len(bodies) / workers
	return func(i int) load.Step {
		mine := bodies[i*per : (i+1)*per]
		return func(ctx context.Context, c *http.Client) (int, error) {
			switch {
			case len(mine) == 0:
				return 0, errors.New("ran out of minted codes")
			case time.Now().After(usable):
				return 0, fmt.Errorf("codes minted %v ago would have expired", time.Since(began).Round(time.Second))
			}
			body := mine[0]
			mine = mine[1:]
			return f.redeem(ctx, c, body)
		}
	}, nil
}

// mintCodes gets up to n codes, from par signed-in browsers at once,
// stopping at deadline; it returns their redemption bodies.
func (f *webFlow) mintCodes(ctx context.Context, e *env, n, par int, deadline time.Time) ([][]byte, error) {
	ctx, cancel := context.WithDeadline(ctx, deadline.Add(30*time.Second))
	defer cancel()
	c := &http.Client{Transport: e.http.Transport, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	per := make([][][]byte, par)
	errs := make([]error, par)
	var wg sync.WaitGroup
	for w := range par {
		wg.Go(func() {
			per[w], errs[w] = f.mintSome(ctx, c, e.webClientID, (n+par-1)/par, deadline)
		})
	}
	wg.Wait()
	var out [][]byte
	for w := range par {
		if errs[w] != nil {
			return nil, fmt.Errorf("minting codes: %w", errs[w])
		}
		out = append(out, per[w]...)
	}
	return out[:min(len(out), n)], nil
}

// mintSome signs in once and then gets up to n codes with the session.
// A 503 (the password hasher's queue is full, as on a busy machine) is
// retried: the server asks for exactly that.
func (f *webFlow) mintSome(ctx context.Context, c *http.Client, clientID string, n int, deadline time.Time) ([][]byte, error) {
	code, verifier, session, s, err := f.signIn(ctx, c, clientID)
	for s == http.StatusServiceUnavailable && err != nil {
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(100 * time.Millisecond):
		}
		code, verifier, session, s, err = f.signIn(ctx, c, clientID)
	}
	if err != nil {
		return nil, err
	}
	out := [][]byte{redeemBody(code, verifier)}
	h := http.Header{"Cookie": {session}}
	for len(out) < n && time.Now().Before(deadline) {
		authURL, verifier, state := f.authorizeURL(clientID)
		s, resp, b, err := load.Send(ctx, c, http.MethodGet, authURL, h, nil, true)
		if err != nil {
			return nil, err
		}
		loc := resp.Header.Get("Location")
		if s != http.StatusSeeOther || !strings.HasPrefix(loc, webRedirect+"?") {
			return nil, hopError("authorize with a session", s, b)
		}
		code, err := codeFrom(loc, state)
		if err != nil {
			return nil, err
		}
		out = append(out, redeemBody(code, verifier))
	}
	return out, nil
}

// printSignIn relates the sign-in figures to the password grant's.
func (r *report) printSignIn(w io.Writer) {
	var lines []string
	for _, d := range r.dbs {
		rps := map[string]float64{}
		for _, x := range d.results {
			if x.res != nil {
				rps[x.scenario] = x.res.RPS()
			}
		}
		sin, pw, code := rps["signin"], rps["password"], rps["authorization_code"]
		var parts []string
		if sin > 0 && pw > 0 {
			parts = append(parts, fmt.Sprintf("full sign-in %.1f/s = **%.0f %%** of the password grant's %.1f/s (target ≥ 85 %%)", sin, 100*sin/pw, pw))
		}
		if code > 0 {
			parts = append(parts, fmt.Sprintf("code redemption alone %.0f/s (target ≥ 3,000/s)", code))
		}
		if len(parts) > 0 {
			lines = append(lines, "- "+d.db+": "+strings.Join(parts, "; "))
		}
	}
	if len(lines) > 0 {
		fmt.Fprintf(w, "\n### Browser sign-in\n\n%s\n", strings.Join(lines, "\n"))
	}
}
