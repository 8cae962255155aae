package upstream

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Identity providers (external OpenID Connect providers a tenant's users
// sign in through) follow the upstream rule with one difference: the
// operator may name this server's own listeners as well, so that tenant
// B can federate through tenant A of the same server. The gateway refuses
// its own listeners because it forwards callers' requests there; a
// provider is only ever sent Tollgate's own requests (discovery, keys,
// the code exchange), so reaching a listener of this server gives nobody
// more than they already have. A tenant admin's provider obeys the
// gateway's rule unchanged.

// MaxProviderResponse bounds every response body read from a provider:
// discovery documents, key sets and token responses are a few kilobytes,
// and a hostile provider must not make the server read without end.
const MaxProviderResponse = 1 << 20

// forProviders is p with the providers' difference.
func (p *Policy) forProviders() *Policy {
	q := *p
	q.ownForOperator = true
	return &q
}

// CheckProvider is Check for an identity provider's host and port.
func (p *Policy) CheckProvider(ctx context.Context, host string, port uint16, byOperator bool) error {
	return p.forProviders().Check(ctx, host, port, byOperator)
}

// ProviderClient returns the HTTP client that reaches an identity
// provider whose issuer the operator (byOperator) or a tenant admin set:
// every address it dials is checked as it is dialed, redirects included;
// it uses no proxy from the environment (the proxy's address would be
// the one checked); each request, body included, ends after timeout; and
// no response body may exceed MaxProviderResponse.
func (p *Policy) ProviderClient(byOperator bool, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           p.forProviders().DialContext(byOperator),
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          10,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{Transport: limitedTransport{tr}, Timeout: timeout}
}

// limitedTransport caps the response bodies of its transport.
type limitedTransport struct{ http.RoundTripper }

// CloseIdleConnections reaches the transport's (http.Client's method
// finds it only on the transport it holds).
func (t limitedTransport) CloseIdleConnections() {
	if c, ok := t.RoundTripper.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (t limitedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := t.RoundTripper.RoundTrip(r)
	if err == nil {
		res.Body = &limitedBody{rc: res.Body, left: MaxProviderResponse}
	}
	return res, err
}

// ErrResponseTooLarge: a provider sent a body larger than
// MaxProviderResponse.
var ErrResponseTooLarge = fmt.Errorf("provider response larger than %d bytes", MaxProviderResponse)

// limitedBody reads at most left bytes of rc, then fails: a truncated
// document must not be taken for a whole one.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, ErrResponseTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
