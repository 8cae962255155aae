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
func (c *Client) TokenService() (http.Handler, error) {
	target, err := url.Parse(c.base)
	if err != nil {
		return nil, err
	}
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
		},
		Transport: c.http.Transport,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(r.Context().Err(), context.Canceled) {
				return // the caller went away
			}
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
