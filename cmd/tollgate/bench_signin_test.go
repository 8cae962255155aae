package main

import (
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Browser sign-in end to end over loopback HTTP (issue 14). The test
// server hashes passwords at a token cost (64 KiB, one pass), so
// BenchmarkSignIn measures what a sign-in costs besides argon2id, and
// BenchmarkPasswordGrant is its reference at the same cost. `make bench`
// has the figures at the real cost.

// signInFlow signs john.doe in to a first-party web application as a
// browser would: no cookie jar, no redirect following; the cookies a hop
// sets are sent back by hand within the flow, so every flow starts
// without a session.
type signInFlow struct {
	e      *env
	conf   *oauth2.Config
	client *http.Client
}

func newSignInFlow(b *testing.B) *signInFlow {
	e := startServer(b, "")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// Shutdown treats an idle dialled connection as busy for 5 s.
	b.Cleanup(client.CloseIdleConnections)
	return &signInFlow{e: e, conf: e.webApp("confidential"), client: client}
}

// send makes one request; u may be a path on the server.
func (f *signInFlow) send(method, u string, h http.Header, body string) (*http.Response, string, error) {
	if strings.HasPrefix(u, "/") {
		u = f.e.base + u
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		return nil, "", err
	}
	if h != nil {
		req.Header = h
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp, string(raw), err
}

// authorizeURL is a fresh authorization request and its verifier and state.
func (f *signInFlow) authorizeURL() (u, verifier, state string) {
	verifier, state = oauth2.GenerateVerifier(), oauth2.GenerateVerifier()[:16]
	return f.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(state)), verifier, state
}

// signIn goes authorize → sign-in page → sign-in POST and returns the
// code, its verifier and the session cookie.
func (f *signInFlow) signIn() (code, verifier, session string, err error) {
	authURL, verifier, state := f.authorizeURL()
	resp, body, err := f.send(http.MethodGet, authURL, nil, "")
	if err != nil {
		return "", "", "", err
	}
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "/login?") {
		return "", "", "", fmt.Errorf("authorize: %d %q %s", resp.StatusCode, loc, body)
	}
	resp, body, err = f.send(http.MethodGet, resp.Header.Get("Location"), nil, "")
	if err != nil {
		return "", "", "", err
	}
	csrf, authz, action := cut(body, `name="csrf_token" value="`), cut(body, `name="authz" value="`), cut(body, `<form method="post" action="`)
	if resp.StatusCode != http.StatusOK || csrf == "" || authz == "" || action == "" {
		return "", "", "", fmt.Errorf("sign-in page: %d %s", resp.StatusCode, body)
	}
	form := url.Values{"csrf_token": {csrf}, "authz": {authz}, "username": {"john.doe"}, "password": {"s3cret-pw"}}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {f.e.base},
		"Sec-Fetch-Site": {"same-origin"}, "Cookie": {cookieHeader(resp)}}
	resp, body, err = f.send(http.MethodPost, action, h, form.Encode())
	if err != nil {
		return "", "", "", err
	}
	code, err = codeIn(resp, body, state)
	return code, verifier, cookieHeader(resp), err
}

// ssoCode asks for a code with the session cookie: no sign-in page.
func (f *signInFlow) ssoCode(session string) (code, verifier string, err error) {
	authURL, verifier, state := f.authorizeURL()
	resp, body, err := f.send(http.MethodGet, authURL, http.Header{"Cookie": {session}}, "")
	if err != nil {
		return "", "", err
	}
	code, err = codeIn(resp, body, state)
	return code, verifier, err
}

// redeem exchanges a code at the token endpoint.
func (f *signInFlow) redeem(code, verifier string) error {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"redirect_uri": {testRedirect}}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"},
		"Authorization": {basicAuth(f.conf.ClientID, f.conf.ClientSecret)}}
	resp, body, err := f.send(http.MethodPost, f.conf.Endpoint.TokenURL, h, form.Encode())
	if err == nil && (resp.StatusCode != http.StatusOK || !strings.Contains(body, `"access_token":"`)) {
		err = fmt.Errorf("token: %d %s", resp.StatusCode, body)
	}
	return err
}

// codeIn reads the code from a redirect to the client.
func codeIn(resp *http.Response, body, state string) (string, error) {
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, testRedirect+"?") {
		return "", fmt.Errorf("want a redirect to the client, got %d %q %s", resp.StatusCode, loc, body)
	}
	u, _ := url.Parse(loc)
	if q := u.Query(); q.Get("code") != "" && q.Get("state") == state {
		return q.Get("code"), nil
	}
	return "", errors.New("authorization response " + loc)
}

// cut is the HTML-unescaped text between marker and the next quote.
func cut(body, marker string) string {
	_, rest, ok := strings.Cut(body, marker)
	v, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 {
		return ""
	}
	return html.UnescapeString(v)
}

// cookieHeader is what a browser sends back of the cookies resp sets.
func cookieHeader(resp *http.Response) string {
	var parts []string
	for _, c := range resp.Cookies() {
		if c.Value != "" && c.MaxAge >= 0 {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	return strings.Join(parts, "; ")
}

// BenchmarkSignIn measures a whole browser sign-in without a session:
// authorize, sign-in page, sign-in POST (password check, session and code
// written), code redeemed for tokens (with an ID token).
func BenchmarkSignIn(b *testing.B) {
	f := newSignInFlow(b)
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			code, verifier, _, err := f.signIn()
			if err == nil {
				err = f.redeem(code, verifier)
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkPasswordGrant is the password grant with the same client
// load and password cost as BenchmarkSignIn: the reference.
func BenchmarkPasswordGrant(b *testing.B) {
	f := newSignInFlow(b)
	body := url.Values{"grant_type": {"password"}, "username": {"john.doe"}, "password": {"s3cret-pw"}}.Encode()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"},
		"Authorization": {basicAuth(f.e.clientID, f.e.clientSecret)}}
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, raw, err := f.send(http.MethodPost, "/token", h.Clone(), body)
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("token: %d %s", resp.StatusCode, raw)
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// Codes live 60 s, so the benchmark mints them in batches of at most
// codeBatch's minting time; a batch is redeemed well before its first
// code expires (minting does less than redeeming).
const (
	codeBatch  = 15 * time.Second
	codeUsable = 55 * time.Second
	minters    = 8
)

// codePair is a minted code and its verifier.
type codePair struct{ code, verifier string }

// BenchmarkAuthorizationCode measures code redemption alone. Codes are
// minted outside the timer by single sign-on (minters browsers sign in
// once, then each authorization request gets a code without a password
// check), b.N of them when that takes under codeBatch, else in batches.
func BenchmarkAuthorizationCode(b *testing.B) {
	f := newSignInFlow(b)
	sessions := make([]string, minters)
	for i := range sessions {
		var err error
		if _, _, sessions[i], err = f.signIn(); err != nil {
			b.Fatal(err)
		}
	}
	b.SetParallelism(8)
	b.ResetTimer()
	b.StopTimer()
	minted := time.Now()
	batch := f.mintCodes(b, sessions, b.N, minted.Add(codeBatch))
	if len(batch) == b.N {
		var next atomic.Int64
		b.StartTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c := batch[next.Add(1)-1]
				if err := f.redeemFresh(c, minted); err != nil {
					b.Error(err)
					return
				}
			}
		})
		return
	}
	// A batch at a time, each with the RunParallel's goroutines.
	for done := 0; ; {
		b.StartTimer()
		f.redeemAll(b, batch, minted, 8*runtime.GOMAXPROCS(0))
		b.StopTimer()
		if done += len(batch); done >= b.N {
			break
		}
		minted = time.Now()
		batch = f.mintCodes(b, sessions, b.N-done, minted.Add(codeBatch))
	}
	b.StartTimer()
}

// redeemFresh redeems c unless it was minted too long ago to be valid.
func (f *signInFlow) redeemFresh(c codePair, minted time.Time) error {
	if age := time.Since(minted); age > codeUsable {
		return fmt.Errorf("codes minted %v ago would have expired", age.Round(time.Second))
	}
	return f.redeem(c.code, c.verifier)
}

// redeemAll redeems batch from par goroutines.
func (f *signInFlow) redeemAll(b *testing.B, batch []codePair, minted time.Time, par int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range par {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(batch)); i = next.Add(1) - 1 {
				if err := f.redeemFresh(batch[i], minted); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// mintCodes gets up to n codes with the sessions, one goroutine each,
// stopping at deadline (with at least one code).
func (f *signInFlow) mintCodes(b *testing.B, sessions []string, n int, deadline time.Time) []codePair {
	var mu sync.Mutex
	var out []codePair
	var wg sync.WaitGroup
	for _, s := range sessions {
		wg.Go(func() {
			for {
				mu.Lock()
				full := len(out) >= n || len(out) > 0 && time.Now().After(deadline)
				mu.Unlock()
				if full {
					return
				}
				code, verifier, err := f.ssoCode(s)
				if err != nil {
					b.Error(err)
					return
				}
				mu.Lock()
				if len(out) < n {
					out = append(out, codePair{code, verifier})
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	return out
}
