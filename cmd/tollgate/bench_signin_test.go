package main

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Browser sign-in end to end over loopback HTTP, through the same
// browser helper and x/oauth2 client as the end-to-end tests. The test
// server hashes passwords at a token cost (64 KiB, one pass), so
// BenchmarkSignIn measures what a sign-in costs besides argon2id, and
// BenchmarkPasswordGrant is its reference at the same cost. `make bench`
// has the figures at the real cost.

// authorizeURL is a fresh authorization request of conf and its verifier.
func authorizeURL(conf *oauth2.Config) (u, verifier string) {
	verifier = oauth2.GenerateVerifier()
	state := verifier[:16]
	return conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(state)), verifier
}

// BenchmarkSignIn measures a whole browser sign-in without a session:
// authorize, sign-in page, sign-in POST (password check, session and code
// written), code redeemed for tokens (with an ID token).
func BenchmarkSignIn(b *testing.B) {
	e := startServer(b, "")
	conf := e.webApp("confidential")
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			u, verifier := authorizeURL(conf)
			code := redirectParams(b, e.browser(b).signIn(u, "john.doe", "s3cret-pw"), testRedirect).Get("code")
			if _, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkPasswordGrant is the password grant with the same client
// load and password cost as BenchmarkSignIn: the reference.
func BenchmarkPasswordGrant(b *testing.B) {
	e := startServer(b, "")
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			e.passwordToken("")
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
	e := startServer(b, "")
	conf := e.webApp("confidential")
	browsers := make([]*browser, minters)
	for i := range browsers {
		browsers[i] = e.browser(b)
		u, _ := authorizeURL(conf)
		redirectParams(b, browsers[i].signIn(u, "john.doe", "s3cret-pw"), testRedirect)
	}
	redeem := func(c codePair, minted time.Time) error {
		if age := time.Since(minted); age > codeUsable {
			return fmt.Errorf("codes minted %v ago would have expired", age.Round(time.Second))
		}
		_, err := conf.Exchange(context.Background(), c.code, oauth2.VerifierOption(c.verifier))
		return err
	}
	b.ResetTimer()
	b.StopTimer()
	for done := 0; done < b.N; {
		minted := time.Now()
		batch := mintCodes(b, conf, browsers, b.N-done, minted.Add(codeBatch))
		var next atomic.Int64
		var wg sync.WaitGroup
		b.StartTimer()
		for range 8 * runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				for i := next.Add(1) - 1; i < int64(len(batch)); i = next.Add(1) - 1 {
					if err := redeem(batch[i], minted); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		b.StopTimer()
		done += len(batch)
	}
}

// mintCodes gets up to n codes with the signed-in browsers, one goroutine
// each, stopping at deadline (with at least one code).
func mintCodes(b *testing.B, conf *oauth2.Config, browsers []*browser, n int, deadline time.Time) []codePair {
	var mu sync.Mutex
	var out []codePair
	var wg sync.WaitGroup
	for _, br := range browsers {
		wg.Go(func() {
			for {
				mu.Lock()
				full := len(out) >= n || len(out) > 0 && time.Now().After(deadline)
				mu.Unlock()
				if full {
					return
				}
				u, verifier := authorizeURL(conf)
				code := redirectParams(b, br.get(u), testRedirect).Get("code")
				mu.Lock()
				if len(out) < n {
					out = append(out, codePair{code, verifier})
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return out
}
