package remote

import (
	"context"
	"errors"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

// tokenServiceTimeout bounds a forwarded token or revocation request.
const tokenServiceTimeout = 30 * time.Second

// TokenService forwards the token service's paths that the gateway
// listener serves (gateway.WithTokenService) to the key manager as they
// came: the caller's own client credentials authenticate it there, never
// the gateway's credential. An unreachable key manager is 503
// temporarily_unavailable, in the OAuth error format.
//
// A request goes to the node in use. It is not retried on another (a
// token request is not idempotent, and the node may have handled it), but
// a failure moves the gateway on to the next node for what follows.
func (c *Client) TokenService() (http.Handler, error) {
	targets := make([]*url.URL, len(c.bases))
	for i, b := range c.bases {
		var err error
		if targets[i], err = url.Parse(b); err != nil {
			return nil, err
		}
	}
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(targets[c.cur.Load()])
			pr.SetXForwarded()
		},
		Transport: c.http.Transport,
		// A node that answers 5xx (cut off from the database, shutting
		// down) passes its answer on, and the next request goes elsewhere.
		ModifyResponse: func(resp *http.Response) error {
			if resp.StatusCode >= 500 {
				c.failedHost(targets, resp.Request.URL.Host)
			}
			return nil
		},
		// r is the request to the node.
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(r.Context().Err(), context.Canceled) {
				return // the caller went away
			}
			c.failedHost(targets, r.URL.Host)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"error":"temporarily_unavailable","error_description":"the token service cannot be reached; try again"}` + "\n"))
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), tokenServiceTimeout)
		defer cancel()
		p.ServeHTTP(w, r.WithContext(ctx))
	}), nil
}

// failedHost moves on from the node at host.
func (c *Client) failedHost(targets []*url.URL, host string) {
	for i, t := range targets {
		if t.Host == host {
			c.failed(int32(i))
		}
	}
}
