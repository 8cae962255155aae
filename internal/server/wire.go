package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/apitoken"
	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/broker"
	"github.com/tollgate-dev/tollgate/internal/clientip"
	"github.com/tollgate-dev/tollgate/internal/config"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/every"
	"github.com/tollgate-dev/tollgate/internal/federation"
	"github.com/tollgate-dev/tollgate/internal/feed"
	"github.com/tollgate-dev/tollgate/internal/gateway"
	"github.com/tollgate-dev/tollgate/internal/httpapi"
	"github.com/tollgate-dev/tollgate/internal/httpapi/adminapi"
	"github.com/tollgate-dev/tollgate/internal/httpapi/brokerapi"
	"github.com/tollgate-dev/tollgate/internal/httpapi/console"
	"github.com/tollgate-dev/tollgate/internal/httpapi/oauthapi"
	"github.com/tollgate-dev/tollgate/internal/httpapi/signin"
	"github.com/tollgate-dev/tollgate/internal/oauth"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/session"
	"github.com/tollgate-dev/tollgate/internal/store"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
	"github.com/tollgate-dev/tollgate/internal/telemetry"
	"github.com/tollgate-dev/tollgate/internal/throttle"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// Follow intervals. PostgreSQL's notifications wake the followers at
// once; the intervals bound the delay when one is lost, and on SQLite,
// whose one node applies its own changes before answering, they are all
// there is for nothing.
const (
	revocationFollowEvery = 500 * time.Millisecond
	changeFollowEvery     = time.Second
)

// wire builds every component through its constructor, in dependency
// order, and the HTTP servers of the bound listeners.
func (s *Server) wire(ctx context.Context, sealer *secret.Sealer, out io.Writer) error {
	cfg, st, log := s.cfg, s.store, s.log
	if err := firstStart(ctx, st, cfg, out); err != nil {
		return err
	}
	keys, err := token.NewKeyring(st, sealer, s.base, cfg.SigningAlgorithm())
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	if err := keys.EnsureKey(ctx, domain.DefaultTenant); err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	revoked := token.NewRevocations(st, log)
	if err := revoked.Sync(ctx); err != nil {
		return fmt.Errorf("load revocations: %w", err)
	}
	hashParams := secret.Params{Memory: cfg.PasswordHashMemoryKiB, Time: cfg.PasswordHashIterations, Threads: 1}
	// A queued login waits at most 1 s, so with the hash itself no request
	// waits much over that; the excess gets 503 with Retry-After.
	hasher := secret.NewHasher(hashParams, 0, time.Second)
	events := s.startObservability(hasher, revoked)
	limiter := throttle.New(st, signinLimits(cfg))
	s.apiTokens = apitoken.NewVerifier(st, revoked, apitoken.Config{})
	// Introspection and the gateway take access and API tokens; the
	// gateway and the HTTP layer resolved the tenant first.
	tokenCreds := authn.New(authn.NewAPITokens(s.apiTokens), authn.NewAccessTokens(keys.KeySource, revoked, nil))
	upstreams, err := s.upstreamPolicy()
	if err != nil {
		return err
	}
	secure := strings.HasPrefix(s.base, "https://")
	fed := federation.New(federation.Config{Store: st, Sealer: sealer, Policy: upstreams, Secure: secure, Logger: log,
		CallbackURL: func(tenant, provider string) string {
			return token.IssuerURL(s.base, tenant) + "/login/callback/" + url.PathEscape(provider)
		}})
	// Clients' jwksUri are fetched under the rule tenant admins' addresses
	// obey, whoever registered them.
	srv := oauth.NewServer(oauth.Config{Store: st, Hasher: hasher, Keys: keys, Revoked: revoked, Logger: log, Events: events,
		Sealer: sealer, Limiter: limiter, Credentials: tokenCreds,
		ClientKeysClient: upstreams.ProviderClient(false, oauth.ClientKeysTimeout), DPoPNonces: dpopNonces(cfg, sealer),
		ExternalTokens: fed})
	g := gateway.New(gateway.Config{Source: storeAPIs{st}, Verifier: tokenCreds, Logger: log, PublicURL: s.GatewayURL(),
		Observe: s.obs.gatewayMetrics(), Upstreams: upstreams})
	sessions := session.New(st, secure)
	auth := admin.NewAuthenticator(st, keys.KeySource, revoked, s.apiTokens, sessions.Lookup)
	brk := broker.New(broker.Config{Store: st, Sealer: sealer, Policy: upstreams, Events: events, Reg: s.obs.reg, Logger: log})
	// The broker's callers: the bootstrap token (to test a provider), API
	// and access tokens with the provider's scope, and sessions. The
	// handler finds the provider first, so the tenant exists.
	brokerCreds := authn.New(authn.NewBootstrap(st), authn.NewAPITokens(s.apiTokens), authn.NewAccessTokens(keys.KeySource, revoked, nil))
	nf, err := s.followFeed(ctx, revoked, srv.Changed, keys.Changed, s.apiTokens.Changed, auth.Changed, g.Changed, fed.Changed,
		brk.Changed, brokerCreds.Changed)
	if err != nil {
		return err
	}
	svc := admin.NewService(admin.Config{Store: st, Hasher: hasher, Keyring: keys, Sealer: sealer, Limiter: limiter,
		Upstreams: upstreams, PasswordMinLength: cfg.PasswordMinimum(), Events: events, Feed: nf, Draining: s.draining})
	oauthEndpoints := oauthapi.New(srv, keys, log)
	pages := signin.New(signin.Config{
		OAuth: srv, Sessions: sessions, Federation: fed, Bootstrap: auth,
		Passwords: authn.NewPasswords(st, hasher, limiter, log), Store: st, Events: events,
		PublicURL: s.base, Logger: log,
	})
	if s.proxies, err = clientip.Parse(cfg.TrustedProxies); err != nil {
		return err
	}
	adminEndpoints := adminapi.New(adminapi.Config{Service: svc, Auth: auth, Logger: log,
		Cookies: sessions, Origin: publicOrigin(s.base)})
	if err := applyConfigFile(ctx, adminEndpoints, cfg.ConfigFile, out, log); err != nil {
		return err
	}
	consolePages := console.New(console.Config{OAuth: srv, Sessions: sessions, Sealer: sealer, Store: st,
		Admin: svc, Auth: auth, Secure: secure, GatewayURL: s.GatewayURL(), KeyRotation: cfg.KeyRotation.Period, Logger: log})
	brokerEndpoints := brokerapi.New(brokerapi.Config{Broker: brk, Bearer: brokerCreds,
		Sessions: authn.New(authn.NewSessions(sessions.Lookup, st)), Cookies: sessions, Origin: publicOrigin(s.base), Logger: log})
	s.http = s.httpServer(httpapi.New(oauthEndpoints, pages, consolePages, adminEndpoints, brokerEndpoints,
		httpapi.NewOps(st, log, httpapi.NewMetrics(s.obs.reg), s.drain.started), log), false)
	s.http.RegisterOnShutdown(func() { close(s.draining) })
	s.gw = s.httpServer(gateway.WithTokenService(g, httpapi.NewGatewayTokenService(oauthEndpoints.At(s.GatewayURL()), log)), true)
	s.jobs = append(s.jobs,
		job{"expired-record purge", func(ctx context.Context) { purgeExpired(ctx, st, log) }},
		job{"api-token last-use flush", func(ctx context.Context) {
			s.apiTokens.Run(ctx, apiTokenFlushEvery, func(err error) { log.Warn("api token last-use flush failed", "err", err) })
		}})
	if cfg.KeyRotation.Period > 0 {
		s.jobs = append(s.jobs, job{"signing-key rotation", func(ctx context.Context) { rotateKeys(ctx, keys, cfg.KeyRotation, log) }})
	}
	return nil
}

// followFeed makes this node follow the change feed and the revocations:
// handlers drop what their caches hold of each change. It returns what the
// admin use cases catch up with after their writes (admin.Feed).
func (s *Server) followFeed(ctx context.Context, revoked *token.Revocations, handlers ...feed.Handler) (*feed.Group, error) {
	changes := feed.New(s.store, s.log, handlers...)
	if err := changes.CatchUp(ctx); err != nil {
		return nil, err
	}
	g := feed.NewGroup(revoked.Sync, changes.CatchUp)
	s.jobs = append(s.jobs,
		job{"database notifications", func(ctx context.Context) {
			s.store.Listen(ctx, g.Notify, func(err error) {
				s.log.Warn("database notifications lost; following by polling until reconnected", "err", err)
			})
		}},
		job{"revocation follow", func(ctx context.Context) { revoked.Follow(ctx, revocationFollowEvery, g.Woken) }},
		job{"change follow", func(ctx context.Context) { changes.Run(ctx, changeFollowEvery, g.Woken) }})
	return g, nil
}

// httpServer is a listener's HTTP server behind the trusted proxies. The
// main listener bounds reading and writing a request; the gateway's
// (streaming) does not: bodies flow both ways for as long as the upstream
// and the caller keep them going. Each request may wait for the database
// --database-timeout in all (store.Budget), not that long per call.
func (s *Server) httpServer(h http.Handler, streaming bool) *http.Server {
	listener := "http"
	if streaming {
		listener = "gateway"
	}
	srv := &http.Server{
		Handler:           telemetry.Handler(s.drain.Handler(s.proxies.Handler(withDatabaseBudget(h, s.cfg.DatabaseTimeout))), listener),
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    maxHeaderBytes,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if !streaming {
		srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 60*time.Second
	}
	return srv
}

// withDatabaseBudget gives each request a store.Budget of d (zero: the
// store's default timeout).
func withDatabaseBudget(next http.Handler, d time.Duration) http.Handler {
	if d <= 0 {
		d = sqlstore.DefaultTimeout
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(store.WithBudget(r.Context(), d)))
	})
}

// firstStart creates the default tenant and sets the bootstrap token: the
// configured one on every start, else a generated one, printed once.
func firstStart(ctx context.Context, st store.Store, cfg *config.Server, out io.Writer) error {
	err := st.CreateTenant(ctx, &domain.Tenant{ID: domain.DefaultTenant, Name: "Default", CreatedAt: time.Now().UTC()})
	if err != nil && !errors.Is(err, domain.ErrConflict) {
		return fmt.Errorf("create default tenant: %w", err)
	}
	if cfg.BootstrapToken != "" {
		return authn.SetBootstrapToken(ctx, st, cfg.BootstrapToken)
	}
	if _, err := st.GetSetting(ctx, authn.BootstrapSettingKey); err == nil {
		return nil
	} else if !errors.Is(err, domain.ErrNotFound) {
		return err
	}
	tok, err := token.NewOpaque(token.PrefixBootstrap)
	if err != nil {
		return err
	}
	if err := authn.SetBootstrapToken(ctx, st, tok); err != nil {
		return err
	}
	// Printed, not logged: logs must never carry a secret.
	fmt.Fprintf(out, "\nBootstrap token (shown once; it can do everything on every tenant):\n\n    %s\n\nexport TOLLGATE_TOKEN=%s\n\n", tok, tok)
	return nil
}

// signinLimits: a single SQLite node is the only writer of its counters,
// so it may trust what it read for a whole window; PostgreSQL nodes share
// them and reread after a second.
func signinLimits(cfg *config.Server) throttle.Limits {
	l := throttle.DefaultLimits()
	if cfg.Database == "" {
		l.Fresh = l.Window
	}
	return l
}

// dpopNonces are the token endpoint's DPoP nonces, or nil when they are
// off (--dpop-nonce).
func dpopNonces(cfg *config.Server, sealer *secret.Sealer) *token.DPoPNonces {
	if !cfg.DPoPNonce {
		return nil
	}
	return token.NewDPoPNonces(sealer)
}

// purgeExpired removes expired tokens, revocations and keys periodically.
func purgeExpired(ctx context.Context, st store.Store, log *slog.Logger) {
	every.Run(ctx, 10*time.Minute, func(ctx context.Context) {
		if n, err := st.DeleteExpired(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Warn("purge expired records", "err", err)
		} else if n > 0 {
			log.Debug("purged expired records", "rows", n)
		}
	})
}

// rotateKeys schedules the successors of signing keys near the end of
// their period (token.Keyring.RotateDue), at start and then at a tenth of
// the pre-publication (10 minutes at most), so a successor is announced
// nearly the whole pre-publication ahead.
func rotateKeys(ctx context.Context, keys *token.Keyring, p token.RotationPolicy, log *slog.Logger) {
	rotate := func(ctx context.Context) {
		n, err := keys.RotateDue(ctx, p)
		if err != nil && ctx.Err() == nil {
			log.Warn("scheduling signing keys", "err", err)
		}
		if n > 0 {
			log.Info("next signing keys scheduled", "keys", n, "prepublish", p.Prepublish)
		}
	}
	rotate(ctx)
	every.Run(ctx, min(10*time.Minute, max(p.Prepublish/10, time.Second)), rotate)
}

// publicOrigin is scheme://host[:port] of the public URL base.
func publicOrigin(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
