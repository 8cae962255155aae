// Package remote lets a gateway run on another machine than the token
// service (`tollgate gateway --key-manager URL`): a Client reads API
// definitions, public keys and revocations from the key manager's
// gateway feed and resolves API tokens through it, and NewVerifier checks
// tokens with that state. The last known state keeps serving while the
// key manager is unreachable.
package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-dev/tollgate/internal/apitoken"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway/feedwire"
)

// ErrReadOnly: a remote gateway never writes revocations.
var ErrReadOnly = errors.New("remote: the gateway's view of the key manager is read-only")

// FeedWait is how long a caught-up request for revocations or changes
// waits on the key manager for news (a long poll).
const FeedWait = 20 * time.Second

// retryPause spaces revocation requests while the key manager is away.
const retryPause = time.Second

// Client talks to the key manager: one of the token service's nodes,
// the first of several that answers. It is safe for concurrent use.
type Client struct {
	bases      []string
	cur        atomic.Int32 // index in bases of the node in use
	credential string
	http       *http.Client

	mu      sync.Mutex
	lastOK  time.Time
	lastErr error
	// The last page of each feed was empty: the next request may wait.
	revocationsCaughtUp, changesCaughtUp bool
}

// NewClient returns a Client of the key manager at bases (the token
// service's nodes; at least one), authenticating with credential (a
// gateway credential, or the bootstrap token). It uses the first node
// until an exchange with it fails, then the next: every node serves the
// same feeds from the shared database, so a follower goes on where it
// was.
func NewClient(bases []string, credential string, rt http.RoundTripper) *Client {
	if rt == nil {
		rt = http.DefaultTransport
	}
	c := &Client{credential: credential, http: &http.Client{Transport: rt, Timeout: FeedWait + 10*time.Second}}
	for _, b := range bases {
		c.bases = append(c.bases, strings.TrimSuffix(b, "/"))
	}
	return c
}

// Current is the base URL of the node in use.
func (c *Client) Current() string { return c.bases[c.cur.Load()] }

// failed moves on from node i after a failed exchange with it, unless a
// concurrent call already has.
func (c *Client) failed(i int32) {
	c.cur.CompareAndSwap(i, (i+1)%int32(len(c.bases)))
}

// Status reports the last successful exchange and the error since, if
// any: /readyz and logs show a gateway serving from stale state.
func (c *Client) Status() (lastOK time.Time, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastOK, c.lastErr
}

func (c *Client) note(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		c.lastOK, c.lastErr = time.Now(), nil
	} else {
		c.lastErr = err
	}
}

// errStatus is an unexpected answer of the key manager.
type errStatus struct {
	status int
	body   string
}

// tokenRefused tells the key manager's "this API token is invalid" from
// a refusal of the gateway's own credential.
func (e *errStatus) tokenRefused() bool {
	return e.status == http.StatusUnauthorized && strings.Contains(e.body, `"invalid_token"`)
}

func (e *errStatus) Error() string {
	return fmt.Sprintf("key manager answered %d: %s", e.status, e.body)
}

// call makes one exchange with the node in use, and with the next ones
// while a node cannot be reached or answers 5xx (a node cut off from the
// database, or shutting down), each at most once.
func (c *Client) call(ctx context.Context, method, path string, body, out any) error {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return err
		}
	}
	var err error
	start, n := c.cur.Load(), int32(len(c.bases))
	for k := range n {
		i := (start + k) % n // each node once, whatever concurrent calls do to cur
		if err = c.callOnce(ctx, c.bases[i], method, path, raw, out); err == nil || ctx.Err() != nil || !failover(err) {
			if err == nil && k > 0 {
				c.cur.CompareAndSwap(start, i)
			}
			return err
		}
		c.failed(i)
	}
	return err
}

// failover reports the errors worth asking another node: no answer, or a
// 5xx.
func failover(err error) bool {
	var es *errStatus
	if errors.As(err, &es) {
		return es.status >= 500
	}
	var de *decodeError
	return !errors.As(err, &de)
}

// decodeError is an answer that did not decode: asking another node of
// the same version would not help.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return "key manager: " + e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }

func (c *Client) callOnce(ctx context.Context, base, method, path string, raw []byte, out any) error {
	var rd io.Reader
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.credential)
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.note(err)
		return fmt.Errorf("key manager %s: %w", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		err := &errStatus{status: resp.StatusCode, body: strings.TrimSpace(string(b))}
		// A 401 of the token check is an answer, not an outage.
		if err.tokenRefused() {
			c.note(nil)
		} else {
			c.note(err)
		}
		return err
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(out); err != nil {
		c.note(err)
		return &decodeError{err}
	}
	c.note(nil)
	return nil
}

// APIs implements gateway.Source.
func (c *Client) APIs(ctx context.Context) ([]domain.API, error) {
	var w feedwire.APIs
	if err := c.call(ctx, http.MethodGet, feedwire.PathAPIs, nil, &w); err != nil {
		return nil, err
	}
	return w.Domain(), nil
}

// ListSigningKeys implements token.PublicKeyStore: the key manager
// publishes public keys only.
func (c *Client) ListSigningKeys(ctx context.Context, tenant string, _ time.Time) ([]domain.SigningKey, error) {
	var w feedwire.Keys
	if err := c.call(ctx, http.MethodGet, feedwire.PathKeys+url.PathEscape(tenant), nil, &w); err != nil {
		return nil, err
	}
	return verificationKeys(w, tenant), nil
}

// AddRevocation implements token.RevocationStore; revocations are made
// at the token service.
func (c *Client) AddRevocation(context.Context, *domain.Revocation) error { return ErrReadOnly }

// RevocationsSince implements token.RevocationStore. Once caught up, a
// call waits on the key manager until a revocation arrives (or
// FeedWait passes), so news arrives within its poll interval.
func (c *Client) RevocationsSince(ctx context.Context, after int64, limit int) ([]domain.Revocation, error) {
	var w feedwire.Revocations
	err := c.longPoll(ctx, feedwire.PathRevocations, &c.revocationsCaughtUp, after, limit, &w,
		func() int { return len(w.Revocations) })
	return w.Domain(), err
}

// ChangesSince implements feed.Source like RevocationsSince.
func (c *Client) ChangesSince(ctx context.Context, after int64, limit int) ([]domain.Change, error) {
	var w feedwire.Changes
	err := c.longPoll(ctx, feedwire.PathChanges, &c.changesCaughtUp, after, limit, &w,
		func() int { return len(w.Changes) })
	return w.Domain(), err
}

// FeedPosition implements feed.Source: the key manager's newest change.
func (c *Client) FeedPosition(ctx context.Context) (int64, error) {
	var w feedwire.Changes
	if err := c.call(ctx, http.MethodGet, feedwire.PathChanges, nil, &w); err != nil {
		return 0, err
	}
	return w.Position, nil
}

// longPoll reads a page of the feed at path into out, which holds n()
// entries after. Once caught up (the last page was empty) the request
// waits on the key manager for news; while the key manager is away,
// requests are spaced by retryPause.
func (c *Client) longPoll(ctx context.Context, path string, caughtUp *bool, after int64, limit int, out any, n func() int) error {
	c.mu.Lock()
	wait := time.Duration(0)
	if *caughtUp {
		wait = FeedWait
	}
	down := c.lastErr != nil
	c.mu.Unlock()
	if down {
		// The follower retries at once; pace it while the key manager
		// is away, so the log gets a line a second rather than ten.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(retryPause):
		}
	}
	q := url.Values{"after": {strconv.FormatInt(after, 10)}, "limit": {strconv.Itoa(limit)},
		"waitMs": {strconv.FormatInt(wait.Milliseconds(), 10)}}
	if err := c.call(ctx, http.MethodGet, path+"?"+q.Encode(), nil, out); err != nil {
		return err
	}
	c.mu.Lock()
	*caughtUp = n() == 0
	c.mu.Unlock()
	return nil
}

// VerifyAPIToken asks the key manager who an API token stands for; a
// token it refuses is apitoken.ErrInvalid.
func (c *Client) VerifyAPIToken(ctx context.Context, tenant, raw string) (*apitoken.Identity, error) {
	var id feedwire.APITokenIdentity
	err := c.call(ctx, http.MethodPost, feedwire.PathVerifyAPIToken, feedwire.VerifyAPIToken{Tenant: tenant, Token: raw}, &id)
	var es *errStatus
	if errors.As(err, &es) && es.tokenRefused() {
		return nil, apitoken.ErrInvalid
	}
	if err != nil {
		return nil, err
	}
	// The answer is for the tenant asked, or worth nothing: a key manager
	// that is wrong, or not what it claims, must not let a token of one
	// tenant into another's API.
	if id.Tenant != tenant {
		return nil, apitoken.ErrInvalid
	}
	return &apitoken.Identity{Tenant: id.Tenant, UserID: id.Subject, Scopes: id.Scopes}, nil
}
