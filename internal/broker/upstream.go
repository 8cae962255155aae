package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// upstreamToken is what a token endpoint answered, parsed.
type upstreamToken struct {
	AccessToken string
	ExpiresAt   time.Time
	Resource    string
}

// errorCode is the shape of an OAuth error code (RFC 6749 §5.2) we pass
// on; anything else the upstream put there is dropped, as it may be text
// that names a secret.
var errorCode = regexp.MustCompile(`^[a-z_]{1,64}$`)

// form is the token request of p (RFC 6749 §4.4 client credentials, §4.3
// password), with Azure AD v1's resource or RFC 8707's, and scope.
func (b *Broker) form(p *domain.BrokerProvider) (url.Values, error) {
	if p.SealedClientSecret == nil {
		return nil, misconfigured(errors.New("provider has no client secret"))
	}
	secret, err := b.sealer.Open(p.SealedClientSecret, domain.BrokerSealAD(p.Tenant, p.ID, domain.BrokerSealClientSecret))
	if err != nil {
		return nil, misconfigured(fmt.Errorf("open client secret: %w", err))
	}
	f := url.Values{"grant_type": {p.GrantType}, "client_id": {p.ClientID}, "client_secret": {string(secret)}}
	if p.Resource != "" {
		f.Set("resource", p.Resource)
	}
	if len(p.Scopes) > 0 {
		f.Set("scope", strings.Join(p.Scopes, " "))
	}
	if p.GrantType == domain.BrokerGrantPassword {
		if p.SealedPassword == nil {
			return nil, misconfigured(errors.New("password grant without a password"))
		}
		pw, err := b.sealer.Open(p.SealedPassword, domain.BrokerSealAD(p.Tenant, p.ID, domain.BrokerSealPassword))
		if err != nil {
			return nil, misconfigured(fmt.Errorf("open password: %w", err))
		}
		f.Set("username", p.Username)
		f.Set("password", string(pw))
	}
	return f, nil
}

// fetch asks p's upstream for a token. The upstream's body is never part
// of an error: it may echo the secrets we sent.
func (b *Broker) fetch(ctx context.Context, p *domain.BrokerProvider) (*upstreamToken, error) {
	form, err := b.form(p)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.TokenEndpoint(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, misconfigured(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	start := time.Now()
	b.metrics.upstreamCalls.Inc()
	res, err := b.client(p).Do(req)
	if err == nil {
		defer res.Body.Close()
		var body []byte
		if body, err = io.ReadAll(res.Body); err == nil {
			b.metrics.upstreamSeconds.Observe(time.Since(start).Seconds())
			return b.parse(res, body)
		}
	}
	b.metrics.upstreamSeconds.Observe(time.Since(start).Seconds())
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return nil, timeout(errors.New("upstream token endpoint did not answer in time"))
	}
	return nil, unreachable(err)
}

// tokenResponse is RFC 6749 §5.1 with Azure AD v1's additions; Azure
// sends expires_in and expires_on as strings of digits.
type tokenResponse struct {
	AccessToken string          `json:"access_token"`
	ExpiresIn   json.RawMessage `json:"expires_in"`
	ExpiresOn   json.RawMessage `json:"expires_on"`
	Resource    string          `json:"resource"`
	Error       string          `json:"error"`
}

// parse reads a token endpoint's answer.
func (b *Broker) parse(res *http.Response, body []byte) (*upstreamToken, error) {
	var tr tokenResponse
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	isJSON := (mt == "application/json" || strings.HasSuffix(mt, "+json")) && json.Unmarshal(body, &tr) == nil
	if res.StatusCode != http.StatusOK {
		if !isJSON || tr.Error == "" {
			return nil, invalidResponse(fmt.Errorf("upstream answered %d without an OAuth error", res.StatusCode))
		}
		code := tr.Error
		if !errorCode.MatchString(code) {
			code = ""
		}
		return nil, upstreamError(code, res.StatusCode, errors.New("token request refused"))
	}
	if !isJSON || tr.AccessToken == "" {
		return nil, invalidResponse(errors.New("upstream answered 200 without an access token"))
	}
	now := b.now()
	t := &upstreamToken{AccessToken: tr.AccessToken, Resource: tr.Resource}
	// expires_in is relative, so the upstream's clock does not matter;
	// expires_on (absolute) only when it is missing.
	if n, ok := seconds(tr.ExpiresIn); ok {
		t.ExpiresAt = now.Add(time.Duration(min(n, maxLifetimeSeconds)) * time.Second)
	} else if n, ok := seconds(tr.ExpiresOn); ok {
		t.ExpiresAt = time.Unix(min(n, now.Unix()+maxLifetimeSeconds), 0)
	}
	if !t.ExpiresAt.After(now) {
		return nil, invalidResponse(errors.New("upstream token has no future expiry (expires_in, expires_on)"))
	}
	return t, nil
}

// maxLifetimeSeconds bounds how long an upstream token is served, whatever
// the upstream says (Azure's last an hour): a token claiming years is
// fetched again within a day, and a huge number cannot overflow the
// expiry.
const maxLifetimeSeconds = 24 * 60 * 60

// seconds reads a JSON number or a string of digits.
func seconds(raw json.RawMessage) (int64, bool) {
	s := strings.Trim(string(raw), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}
