package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/tollgate-dev/tollgate/bench/load"
)

// The gateway scenario calls an API through `tollgate serve`'s gateway; the
// reverse_proxy scenario makes the same call through a bare
// httputil.ReverseProxy in its own process, so the difference is what the
// gateway adds (issue 7: token check, scope match, header handling).

const (
	proxyFlag  = "-serve-proxy"
	apiContext = "/bench/v1"
	apiPath    = apiContext + "/items/42"
)

// startUpstream serves the API both proxies forward to: a small JSON
// answer to any GET. It lives as long as the bench process.
func startUpstream() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":42}`))
	})
	go (&http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}).Serve(ln)
	return "http://" + ln.Addr().String(), nil
}

// serveProxy is the bare reverse proxy process; it prints its address.
func serveProxy(upstream string) error {
	u, err := url.Parse(upstream)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	rp := httputil.NewSingleHostReverseProxy(u)
	// Pooled upstream connections as the gateway keeps them; the default
	// transport keeps 2 per host and would redial under 32 clients.
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 256
	rp.Transport = t
	return (&http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}).Serve(ln)
}

func get(url string, h http.Header) func(int) load.Step {
	return func(int) load.Step {
		return func(ctx context.Context, c *http.Client) (int, error) {
			s, _, _, err := load.Send(ctx, c, http.MethodGet, url, h, nil, false)
			return s, err
		}
	}
}

func prepGateway(ctx context.Context, e *env, _ int, _ time.Duration, _ float64) (func(int) load.Step, error) {
	up, err := startUpstream()
	if err != nil {
		return nil, err
	}
	api := resource("api", "bench", map[string]any{"context": apiContext, "upstream": up,
		"resources": []map[string]any{{"method": "GET", "path": "/items/{id}", "scopes": []string{benchScope}}}})
	if err := e.admin(ctx, http.MethodPost, "/api/v1/entities/apis", api, http.StatusCreated, nil); err != nil {
		return nil, err
	}
	tok, err := e.clientToken(ctx)
	if err != nil {
		return nil, err
	}
	h := http.Header{"Authorization": {"Bearer " + tok.AccessToken}}
	// The route table reloads on the admin change; check before timing.
	if s, _, _, err := load.Send(ctx, e.http, http.MethodGet, e.gateway+apiPath, h, nil, false); err != nil || s != http.StatusOK {
		return nil, fmt.Errorf("gateway answers %d %v", s, err)
	}
	return get(e.gateway+apiPath, h), nil
}

func prepReverseProxy(ctx context.Context, e *env, _ int, _ time.Duration, _ float64) (func(int) load.Step, error) {
	up, err := startUpstream()
	if err != nil {
		return nil, err
	}
	p, err := startSelf(proxyFlag, up)
	if err != nil {
		return nil, err
	}
	go func() { <-ctx.Done(); p.stop() }()
	// Same request as through the gateway, bearer token included.
	tok, err := e.clientToken(ctx)
	if err != nil {
		return nil, err
	}
	return get("http://"+p.addr+apiPath, http.Header{"Authorization": {"Bearer " + tok.AccessToken}}), nil
}
