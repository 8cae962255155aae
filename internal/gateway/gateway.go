// Package gateway is Tollgate's API gateway: it routes a request to the
// API whose context is the longest prefix of the path, to the resource
// whose method and path template match, checks the bearer token and its
// scopes, and forwards to the upstream. It has no store access: a Source
// yields the APIs and a Verifier checks tokens.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tollgate-dev/tollgate/internal/authheader"
	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
	"github.com/tollgate-dev/tollgate/internal/telemetry"
)

// Identity is who a valid token stands for: the principal authn makes
// of it.
type Identity = authn.Principal

// ErrInvalidToken is what a Verifier returns for a token that must be
// refused; any other error means the check itself failed.
var ErrInvalidToken = authn.ErrInvalid

// Verifier checks a bearer token presented to an API of tenant;
// *authn.Authenticator is one.
type Verifier interface {
	Verify(ctx context.Context, tenant, raw string) (*Identity, error)
}

// Source yields the current definitions of every tenant's APIs.
type Source interface {
	APIs(ctx context.Context) ([]domain.API, error)
}

// Outcome is one request's result, for metrics.
type Outcome struct {
	API, Resource  string // "" when no API or resource matched
	Decision       string // "allowed", "public", "400", "401", "403", "404", "405", "503"
	UpstreamStatus int    // 0 when nothing was forwarded
	Added          time.Duration
}

// Config holds a Gateway's dependencies; zero values pick defaults.
type Config struct {
	Source   Source
	Verifier Verifier
	Logger   *slog.Logger
	// Realm is the WWW-Authenticate realm.
	Realm string
	// UpstreamTimeout bounds the wait for an upstream's response headers;
	// past it the caller gets 504. Bodies then stream without a limit.
	UpstreamTimeout time.Duration
	// Upstreams decides which addresses the gateway may dial, checked on
	// every connection; nil is upstream.Strict.
	Upstreams *upstream.Policy
	// Observe, when set, is called once per request.
	Observe func(Outcome)
	// PublicURL is the gateway's base URL as clients address it, which
	// DPoP proofs name (their htu).
	PublicURL string
}

// Gateway is an http.Handler. It is safe for concurrent use.
type Gateway struct {
	cfg    Config
	table  atomic.Pointer[table]
	proxy  *httputil.ReverseProxy
	proofs *dpopProofs
}

// newTransport returns the transport to the upstreams the operator set
// (byOperator) or to tenant admins' ones. The two never share a pooled
// connection, so one dialed under the operator's looser rule never
// serves a tenant admin's API of the same host.
func newTransport(p *upstream.Policy, byOperator bool, timeout time.Duration) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil // a proxy would dial the upstream out of the policy's sight
	t.DialContext = p.DialContext(byOperator)
	t.ResponseHeaderTimeout = timeout
	t.MaxIdleConnsPerHost = 256
	return t
}

// New returns a Gateway with an empty route table; call Reload before
// serving, and Run to follow changes.
func New(cfg Config) *Gateway {
	if cfg.Realm == "" {
		cfg.Realm = "tollgate"
	}
	if cfg.UpstreamTimeout <= 0 {
		cfg.UpstreamTimeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Upstreams == nil {
		cfg.Upstreams = upstream.Strict()
	}
	g := &Gateway{cfg: cfg, proofs: newDPoPProofs()}
	g.table.Store(&table{})
	g.proxy = &httputil.ReverseProxy{
		Rewrite: g.rewrite,
		// A client span per upstream call, which sends the trace on in
		// traceparent, when tracing is on.
		Transport: telemetry.Transport(timingTransport{
			tenant:   newTransport(cfg.Upstreams, false, cfg.UpstreamTimeout),
			operator: newTransport(cfg.Upstreams, true, cfg.UpstreamTimeout),
		}),
		ModifyResponse: g.modifyResponse,
		ErrorHandler:   g.upstreamError,
		ErrorLog:       slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	return g
}

// Reload replaces the route table with the Source's current APIs; on
// error the previous table stays.
func (g *Gateway) Reload(ctx context.Context) error {
	apis, err := g.cfg.Source.APIs(ctx)
	if err != nil {
		return fmt.Errorf("gateway: load APIs: %w", err)
	}
	t, errs := compile(apis)
	for _, err := range errs {
		g.cfg.Logger.Warn("gateway: API skipped", "err", err)
	}
	g.table.Store(t)
	return nil
}

// Changed reloads the route table after a change of an API or a tenant
// on any node (a feed.Handler). On failure the last table keeps serving,
// and the feed hands the change again.
func (g *Gateway) Changed(ctx context.Context, c domain.Change) error {
	switch c.Entity {
	case domain.EntityAPI, domain.EntityTenant, "":
		return g.Reload(ctx)
	}
	return nil
}

// exchange carries one request's state from ServeHTTP to the proxy hooks.
type exchange struct {
	match    match
	id       *Identity
	start    time.Time
	added    time.Duration // set when the upstream request starts
	upstream int
}

type exchangeKey struct{}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := &exchange{start: time.Now()}
	m, status, allow := g.table.Load().route(r.Method, r.URL.EscapedPath())
	x.match = m
	if status != 0 {
		g.refuse(w, x, routeRefusal(status, allow))
		return
	}
	if !m.resource.public {
		id, ref := g.authenticate(r, m.api.tenant)
		if ref == nil {
			ref = authorize(id, m.resource.scopes)
		}
		if ref != nil {
			g.refuse(w, x, ref)
			return
		}
		x.id = id
	}
	g.proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, x)))
	decision := "allowed"
	if m.resource.public {
		decision = "public"
	}
	g.observe(x, decision)
}

func (g *Gateway) refuse(w http.ResponseWriter, x *exchange, ref *refusal) {
	ref.write(w, g.cfg.Realm)
	x.added = time.Since(x.start)
	g.observe(x, ref.decision)
}

func (g *Gateway) observe(x *exchange, decision string) {
	if g.cfg.Observe == nil {
		return
	}
	o := Outcome{Decision: decision, UpstreamStatus: x.upstream, Added: x.added}
	if x.match.api != nil {
		o.API, o.Resource = x.match.api.tenant+"/"+x.match.api.id, x.match.resource.label
	}
	g.cfg.Observe(o)
}

// authenticate reads the bearer token (RFC 6750 §2.1) and verifies it
// for the API's tenant, so a token of another tenant is invalid here.
func (g *Gateway) authenticate(r *http.Request, tenant string) (*Identity, *refusal) {
	c, err := authheader.Parse(r.Header)
	if err != nil {
		return nil, badAuthorization(err.Error())
	}
	if c.Scheme != authheader.Bearer && c.Scheme != authheader.DPoP {
		return nil, noToken() // none, or another scheme: no token
	}
	id, err := g.cfg.Verifier.Verify(r.Context(), tenant, c.Token)
	if errors.Is(err, ErrInvalidToken) {
		return nil, invalidToken("the token is invalid, expired or revoked")
	}
	if err != nil {
		g.cfg.Logger.Error("gateway: token check failed", "err", err)
		return nil, unavailable()
	}
	if id.Tenant != tenant {
		return nil, invalidToken("the token is invalid, expired or revoked")
	}
	switch {
	case id.BoundKey == "" && c.Scheme == authheader.DPoP:
		return nil, invalidToken("the token is not bound to a DPoP key: send it as a bearer token")
	case id.BoundKey != "" && c.Scheme == authheader.Bearer:
		return nil, boundAsBearer()
	case id.BoundKey != "":
		if ref := g.proofs.check(r, g.cfg.PublicURL, c.Token, id.BoundKey); ref != nil {
			return nil, ref
		}
	}
	return id, nil
}

// authorize requires every scope of the resource (RFC 6750 §3.1
// insufficient_scope lists them all).
func authorize(id *Identity, required []string) *refusal {
	for _, s := range required {
		if !slices.Contains(id.Scopes, s) {
			ref := insufficientScope(required)
			ref.dpop = id.BoundKey != "" // challenged in the scheme it came in (RFC 9449 §7.1)
			return ref
		}
	}
	return nil
}

// rewrite builds the upstream request. The ReverseProxy has already
// removed hop-by-hop and X-Forwarded-* headers the caller sent.
func (g *Gateway) rewrite(pr *httputil.ProxyRequest) {
	x := pr.In.Context().Value(exchangeKey{}).(*exchange)
	pr.Out.URL.RawPath = x.match.rest
	pr.Out.URL.Path, _ = unescapedPath(x.match.rest)
	pr.SetURL(x.match.api.upstream)
	pr.SetXForwarded()
	// The caller's own X-Tollgate-* headers would otherwise pass for the
	// gateway's statement of identity.
	for k := range pr.Out.Header {
		if strings.HasPrefix(k, "X-Tollgate-") {
			delete(pr.Out.Header, k)
		}
	}
	id := x.id
	if id == nil {
		// A public resource checked no token: whatever the caller sent
		// may belong to another tenant and must not reach this upstream.
		pr.Out.Header.Del("Authorization")
		return
	}
	pr.Out.Header.Set("X-Tollgate-Tenant", id.Tenant)
	pr.Out.Header.Set("X-Tollgate-Subject", id.Subject)
	pr.Out.Header.Set("X-Tollgate-Scopes", strings.Join(id.Scopes, " "))
	if id.Client != "" {
		pr.Out.Header.Set("X-Tollgate-Client", id.Client)
	}
}

func unescapedPath(rest string) (string, error) {
	segs, ok := cleanPath(rest)
	if !ok {
		return "", errors.New("bad path")
	}
	return "/" + strings.Join(segs, "/"), nil
}

func (g *Gateway) modifyResponse(resp *http.Response) error {
	if x, ok := resp.Request.Context().Value(exchangeKey{}).(*exchange); ok {
		x.upstream = resp.StatusCode
	}
	return nil
}

// upstreamError answers 504 for a timeout and 502 for anything else; the
// cause goes to the log, not to the caller.
func (g *Gateway) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	x, _ := r.Context().Value(exchangeKey{}).(*exchange)
	if r.Context().Err() != nil {
		return // the caller went away; nobody reads an answer
	}
	var ne net.Error
	ref := upstreamRefusal(http.StatusBadGateway, "the upstream could not be reached")
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		ref = upstreamRefusal(http.StatusGatewayTimeout, "the upstream did not answer in time")
	}
	if x != nil {
		x.upstream = ref.status
		msg := "gateway: upstream failed"
		if upstream.IsRefusal(err) {
			msg = "gateway: upstream address refused" // err says why
		}
		g.cfg.Logger.Warn(msg, "api", x.match.api.tenant+"/"+x.match.api.id, "err", err)
	}
	ref.write(w, g.cfg.Realm)
}

// timingTransport picks the transport by who set the API's upstream and
// notes when the upstream request starts: the time before it is the
// latency the gateway adds.
type timingTransport struct{ tenant, operator http.RoundTripper }

func (t timingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	x := r.Context().Value(exchangeKey{}).(*exchange)
	x.added = time.Since(x.start)
	if x.match.api.operator {
		return t.operator.RoundTrip(r)
	}
	return t.tenant.RoundTrip(r)
}
