package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
)

// EmbedWindow is how far a signed embed request's timestamp may be from
// the server's clock (DESIGN §2).
const EmbedWindow = 5 * time.Minute

// nonceMargin keeps a nonce recorded a little past the window, so nodes
// whose clocks differ by less than it cannot accept a replay.
const nonceMargin = time.Minute

// embedGrant: grant_type=embed_secret (DESIGN §2). The tenant's embed
// secret is the credential, so no client authenticates; the token goes to
// the tenant's built-in embed application.
type embedGrant struct{ s *Server }

// embedRequest is an embed grant request: the plain form (embed_secret)
// or the signed one.
type embedRequest struct {
	username string       // as sent: the signature covers it so
	plain    string       // embed_secret; "" in the signed form
	signed   *signedEmbed // nil in the plain form
}

func (r embedRequest) claimedUser() string { return r.username }

var _ grant[embedRequest] = embedGrant{}

func (embedGrant) clientRequired() bool { return false }

func (embedGrant) parse(p params) (embedRequest, error) {
	r := embedRequest{username: p.get("username"), plain: p.get("embed_secret")}
	if r.username == "" {
		return embedRequest{}, InvalidRequest("missing username")
	}
	switch sig := p.get("embed_signature"); {
	case r.plain != "" && sig != "":
		return embedRequest{}, InvalidRequest("send either embed_secret or embed_signature, not both")
	case r.plain == "":
		signed, err := parseSignedEmbed(p.get("embed_nonce"), p.get("timestamp"), sig)
		if err != nil {
			return embedRequest{}, err
		}
		r.signed = signed
	}
	return r, nil
}

// errEmbedRefused is the one answer for disabled embed authentication, a
// wrong secret or signature, an unknown user and a disabled user, so a
// caller cannot tell which users exist.
func errEmbedRefused() *Error { return InvalidGrant("authorization_failed") }

// signedEmbed holds the parameters of the signed form once checked.
type signedEmbed struct {
	nonce     string
	timestamp string // as sent: it is part of the signed message
	unix      int64
	signature []byte
}

// parseSignedEmbed checks the signed form's parameters for shape only; it
// needs no secret, so a malformed request is refused before any lookup.
func parseSignedEmbed(nonce, timestamp, signature string) (*signedEmbed, error) {
	if nonce == "" || timestamp == "" || signature == "" {
		return nil, InvalidRequest("the signed form needs embed_nonce, timestamp and embed_signature")
	}
	if len(nonce) > 128 {
		return nil, InvalidRequest("embed_nonce longer than 128 characters")
	}
	for i := 0; i < len(nonce); i++ {
		// Printable ASCII without '&' and '=', which would make the
		// signed message ambiguous.
		if c := nonce[i]; c <= ' ' || c > '~' || c == '&' || c == '=' {
			return nil, InvalidRequest("embed_nonce must be printable ASCII without '&' or '='")
		}
	}
	if len(timestamp) > 12 || strings.TrimLeft(timestamp, "0123456789") != "" {
		return nil, InvalidRequest("timestamp must be unix seconds")
	}
	unix, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return nil, InvalidRequest("timestamp must be unix seconds")
	}
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		// Some clients send unpadded or URL-safe base64.
		sig, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(signature, "="))
	}
	if err != nil || len(sig) != sha256.Size {
		return nil, InvalidGrant("authorization_failed: embed_signature is not a base64 HMAC-SHA256")
	}
	return &signedEmbed{nonce: nonce, timestamp: timestamp, unix: unix, signature: sig}, nil
}

// EmbedSignature computes the signed form's embed_signature:
// base64(HMAC-SHA256(key = secret, msg = lowercase("embed_nonce=" + nonce +
// "&user_email=" + username + "&timestamp=" + timestamp))).
func EmbedSignature(embedSecret, nonce, username, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(embedSecret))
	mac.Write([]byte(strings.ToLower("embed_nonce=" + nonce + "&user_email=" + username + "&timestamp=" + timestamp)))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func (g embedGrant) authorize(ctx context.Context, ex *exchange, req embedRequest) (*authorization, ScopePolicy, error) {
	signed := req.signed
	if signed != nil {
		if d := ex.now.Sub(time.Unix(signed.unix, 0)); d > EmbedWindow || d < -EmbedWindow {
			return refuse(InvalidGrant("authorization_failed: timestamp is more than 5 minutes off"))
		}
	}
	s := g.s
	if c := ex.req.Client; c.Basic || c.Secret != "" {
		// No client needs to authenticate, but one that tries must
		// succeed: wrong credentials are refused, not ignored (RFC 6749 §5.2).
		if _, err := s.authenticateClient(ctx, ex.tenant, c); err != nil {
			return refuse(err)
		}
	}
	app, embedSecret, err := s.embedSettings(ctx, ex.tenant)
	if err != nil {
		return refuse(err)
	}
	if signed == nil {
		// Equal-length digests, so the comparison's time says nothing
		// about how much of the secret matched.
		if !secret.Equal(secret.HashToken(req.plain), secret.HashToken(embedSecret)) {
			return refuse(errEmbedRefused())
		}
	} else {
		want, _ := base64.StdEncoding.DecodeString(EmbedSignature(embedSecret, signed.nonce, req.username, signed.timestamp))
		if !hmac.Equal(want, signed.signature) {
			return refuse(errEmbedRefused())
		}
	}
	// The signature covers the name as sent; the user is found by its
	// normal form, so "SSO.User@example.com" is user sso.user@example.com.
	id, err := domain.NormalizeUsername(req.username)
	if err != nil {
		return refuse(errEmbedRefused())
	}
	user, roleScopes, err := s.store.GetUserWithScopes(ctx, ex.tenant, id)
	if errors.Is(err, domain.ErrNotFound) || (err == nil && user.Disabled) {
		return refuse(errEmbedRefused())
	}
	if err != nil {
		return refuse(ServerError(err))
	}
	az := &authorization{app: app, subject: user.ID, refresh: true}
	if signed != nil {
		az.redeem = func(ctx context.Context) error { return s.redeemNonce(ctx, ex, signed) }
	}
	return az, UserRoles(roleScopes), nil
}

// redeemNonce records a signed request's nonce. It runs last, once the
// request is good in every other respect: a refused request keeps its
// nonce for its retry, and nobody can burn another caller's nonces.
func (s *Server) redeemNonce(ctx context.Context, ex *exchange, signed *signedEmbed) error {
	until := time.Unix(signed.unix, 0).Add(EmbedWindow + nonceMargin)
	err := s.store.RedeemOnce(ctx, ex.tenant, signed.nonce, until, ex.now)
	if errors.Is(err, domain.ErrConflict) {
		return InvalidGrant("authorization_failed: embed_nonce was already used")
	}
	if err != nil {
		return ServerError(err)
	}
	return nil
}

// embedSettings returns the tenant's embed application and secret, or the
// common refusal when embed authentication is off. It is read from the
// store on every request, not cached, so disabling or regenerating takes
// effect at once on every node.
func (s *Server) embedSettings(ctx context.Context, tenant string) (*domain.Application, string, error) {
	e, err := s.store.GetEmbedSettings(ctx, tenant)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, "", errEmbedRefused()
	}
	if err != nil {
		return nil, "", ServerError(err)
	}
	if !e.Enabled || len(e.SealedSecret) == 0 || s.sealer == nil {
		return nil, "", errEmbedRefused()
	}
	raw, err := s.sealer.Open(e.SealedSecret, domain.EmbedSecretAD(tenant))
	if err != nil {
		return nil, "", ServerError(err)
	}
	app := e.Application()
	// The embed secret also authenticates the embed application as a
	// client (refresh, revocation, introspection): client_id
	// tollgate-embed, client_secret the embed secret.
	app.SecretHash = secret.HashToken(string(raw))
	return app, string(raw), nil
}
