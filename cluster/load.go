package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-dev/tollgate/bench/load"
)

// LoadKinds are the requests of the mixed load, each run by workers of
// its own so each gets its own figures.
var LoadKinds = []string{"client_credentials", "password", "refresh", "introspection", "gateway"}

// LoadConfig sizes one RunLoad.
type LoadConfig struct {
	WorkersPerKind   int
	Warmup, Duration time.Duration
}

// RunLoad sends the mixed load for cfg's warm-up and duration on bench's
// closed-loop generator. Every worker sends its next request to the next
// node (the next gateway, remote included, for "gateway"), as a load
// balancer spreading one client's requests would; a refresh chain thus
// rotates its token on a different node each time. It returns each kind's
// result.
func (c *Cluster) RunLoad(ctx context.Context, cfg LoadConfig) (map[string]*load.Result, error) {
	workers := make(map[string]func(int) load.Step, len(LoadKinds))
	for _, kind := range LoadKinds {
		w, err := c.prepare(kind, cfg.WorkersPerKind)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		workers[kind] = w
	}
	var (
		mu   sync.Mutex
		out  = map[string]*load.Result{}
		errs []error
		wg   sync.WaitGroup
	)
	for kind, w := range workers {
		wg.Go(func() {
			res, err := load.Run(ctx, load.Config{Concurrency: cfg.WorkersPerKind, Warmup: cfg.Warmup,
				Duration: cfg.Duration, NewWorker: w, Timeout: 10 * time.Second})
			mu.Lock()
			defer mu.Unlock()
			out[kind] = res
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", kind, err))
			}
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// prepare returns the per-worker steps of kind; tokens the steps need are
// minted now, before the clock starts.
func (c *Cluster) prepare(kind string, workers int) (func(int) load.Step, error) {
	f := c.Fixture
	client := load.FormHeader(f.ClientID, f.ClientSecret)
	bases := baseURLs(c.Nodes)
	password := url.Values{"grant_type": {"password"}, "username": {f.User}, "password": {f.Password}}
	switch kind {
	case "client_credentials":
		return rotate(bases, "/oauth2/token", client, "grant_type=client_credentials", nil), nil
	case "password":
		return rotate(bases, "/oauth2/token", client, password.Encode(), nil), nil
	case "introspection":
		tok, err := c.ClientToken(c.Nodes[0])
		if err != nil {
			return nil, err
		}
		return rotate(bases, "/oauth2/introspect", client, "token="+tok, func(b []byte) error {
			if !strings.Contains(string(b), `"active":true`) {
				return errors.New("token introspected as inactive")
			}
			return nil
		}), nil
	case "gateway":
		tok, err := c.ClientToken(c.Nodes[0])
		if err != nil {
			return nil, err
		}
		gws, h := c.GatewayURLs(), http.Header{"Authorization": {"Bearer " + tok}}
		return func(i int) load.Step {
			return func(ctx context.Context, hc *http.Client) (int, error) {
				i++
				s, _, _, err := load.Send(ctx, hc, http.MethodGet, gws[i%len(gws)]+apiPath, h, nil, false)
				return s, err
			}
		}, nil
	case "refresh":
		return c.refreshChains(bases, client, password, workers)
	}
	return nil, fmt.Errorf("unknown load kind %q", kind)
}

// rotate returns steps that POST body to path on each base in turn and,
// on a 200, hand the answer to check (if not nil).
func rotate(bases []string, path string, h http.Header, body string, check func([]byte) error) func(int) load.Step {
	b := []byte(body)
	return func(i int) load.Step {
		return func(ctx context.Context, hc *http.Client) (int, error) {
			i++
			s, _, out, err := load.Post(ctx, hc, bases[i%len(bases)]+path, h, b, check != nil)
			if err == nil && s == http.StatusOK && check != nil {
				err = check(out)
			}
			return s, err
		}
	}
}

// refreshChains gives each worker a refresh token of its own and sends,
// each time to the next node, the one the last answer returned: every
// token is used once, so a rotation lost between nodes fails the chain.
func (c *Cluster) refreshChains(bases []string, h http.Header, password url.Values, workers int) (func(int) load.Step, error) {
	start := make([]string, workers)
	for i := range start {
		s, out, err := c.Token(c.Nodes[i%len(c.Nodes)], c.Fixture.ClientID, c.Fixture.ClientSecret, password)
		if err != nil {
			return nil, err
		}
		if start[i], _ = out["refresh_token"].(string); s != http.StatusOK || start[i] == "" {
			return nil, fmt.Errorf("password grant: %d %v", s, out)
		}
	}
	return func(i int) load.Step {
		cur := start[i]
		return func(ctx context.Context, hc *http.Client) (int, error) {
			i++
			s, _, b, err := load.Post(ctx, hc, bases[i%len(bases)]+"/oauth2/token", h,
				[]byte("grant_type=refresh_token&refresh_token="+url.QueryEscape(cur)), true)
			if err != nil || s != http.StatusOK {
				return s, err
			}
			var out struct {
				RefreshToken string `json:"refresh_token"`
			}
			if json.Unmarshal(b, &out) != nil || out.RefreshToken == "" {
				return s, errors.New("refresh answer carries no refresh_token")
			}
			cur = out.RefreshToken
			return s, nil
		}
	}, nil
}
