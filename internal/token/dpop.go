package token

import (
	"cmp"
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// DPoP proofs (RFC 9449 §4): a client proves it holds the private key an
// access token is bound to by signing, for each request, a short JWT
// naming the method and URL, with its public key in the header. The
// algorithms are the ones Tollgate signs with.

// DPoPProofType is the typ header every proof carries (§4.2).
const DPoPProofType = "dpop+jwt"

// DPoPProofMaxAge is how old a proof's iat may be. A proof is made per
// request, so this is clock skew and latency; replay caches hold a jti
// this long.
const DPoPProofMaxAge = 5 * time.Minute

// dpopLeeway is how far in the future a proof's iat may be.
const dpopLeeway = 30 * time.Second

// maxDPoPProof bounds a proof's size: a header with an RSA key and a few
// claims.
const maxDPoPProof = 8 << 10

// ErrDPoPProof is wrapped by every refusal of a proof; the wrapping
// error says why.
var ErrDPoPProof = errors.New("invalid DPoP proof")

// DPoPCheck is what a proof must match.
type DPoPCheck struct {
	Method string // the request's method
	URL    string // the request's URL as the client addressed it
	// AccessToken, at a resource, is the token the proof comes with:
	// the proof's ath must be its hash. Empty at the token endpoint.
	AccessToken string
	Now         time.Time
	// MaxAge is how old a proof may be; 0: DPoPProofMaxAge. A resource
	// with a memory-bound replay cache keeps it short.
	MaxAge time.Duration
}

// DPoPProof is a verified proof.
type DPoPProof struct {
	JKT      string // the key's RFC 7638 SHA-256 thumbprint, base64url: what cnf.jkt binds
	JTI      string
	IssuedAt time.Time
	Nonce    string // "" when the proof has none
}

// dpopClaims are a proof's claims (§4.2).
type dpopClaims struct {
	JTI   string          `json:"jti"`
	HTM   string          `json:"htm"`
	HTU   string          `json:"htu"`
	IAT   json.RawMessage `json:"iat"`
	ATH   string          `json:"ath"`
	Nonce string          `json:"nonce"`
}

// VerifyDPoPProof checks a proof as RFC 9449 §4.3 lists, except the
// single use of its jti and the nonce, which the caller checks against
// its own replay cache and nonce policy.
func VerifyDPoPProof(raw string, c DPoPCheck) (*DPoPProof, error) {
	if len(raw) > maxDPoPProof {
		return nil, dpopErr("larger than %d bytes", maxDPoPProof)
	}
	jws, err := jose.ParseSignedCompact(raw, parseAlgs)
	if err != nil {
		return nil, dpopErr("not a JWS signed with %s", strings.Join(SupportedAlgorithms(), ", "))
	}
	h := jws.Signatures[0].Header
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != DPoPProofType {
		return nil, dpopErr("typ must be %s", DPoPProofType)
	}
	jwk := h.JSONWebKey
	if jwk == nil || !jwk.IsPublic() || !jwk.Valid() {
		return nil, dpopErr("the header must carry the public key (jwk)")
	}
	if a := keyAlgorithm(jwk.Key); a == nil || string(a.name) != h.Algorithm {
		return nil, dpopErr("the key does not sign with %s (P-256 for ES256, Ed25519 for EdDSA, RSA of 2048 bits or more for RS256)", h.Algorithm)
	}
	payload, err := jws.Verify(jwk)
	if err != nil {
		return nil, dpopErr("bad signature")
	}
	var cl dpopClaims
	if err := json.Unmarshal(payload, &cl); err != nil {
		return nil, dpopErr("claims are not a JSON object")
	}
	iat, err := numericDate(cl.IAT)
	maxAge := cmp.Or(c.MaxAge, DPoPProofMaxAge)
	switch {
	case cl.JTI == "" || len(cl.JTI) > 256:
		return nil, dpopErr("jti must be 1 to 256 characters")
	case cl.HTM != c.Method:
		return nil, dpopErr("htm is %q, not this request's method %s", cl.HTM, c.Method)
	case !sameHTU(cl.HTU, c.URL):
		return nil, dpopErr("htu is %q, not this request's URL %s", cl.HTU, c.URL)
	case err != nil:
		return nil, dpopErr("iat: %v", err)
	case iat.Before(c.Now.Add(-maxAge)):
		return nil, dpopErr("iat is more than %s ago", maxAge)
	case iat.After(c.Now.Add(dpopLeeway)):
		return nil, dpopErr("iat is in the future")
	}
	if c.AccessToken != "" {
		if subtle.ConstantTimeCompare([]byte(cl.ATH), []byte(AccessTokenHash(c.AccessToken))) != 1 {
			return nil, dpopErr("ath is not the hash of the access token")
		}
	}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, dpopErr("key thumbprint: %v", err)
	}
	return &DPoPProof{JKT: base64.RawURLEncoding.EncodeToString(tp), JTI: cl.JTI, IssuedAt: iat, Nonce: cl.Nonce}, nil
}

func dpopErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrDPoPProof, fmt.Sprintf(format, args...))
}

// numericDate reads a NumericDate (RFC 7519 §2), which may have a
// fraction.
func numericDate(raw json.RawMessage) (time.Time, error) {
	var f float64
	if len(raw) == 0 || json.Unmarshal(raw, &f) != nil || f <= 0 {
		return time.Time{}, errors.New("missing or not a number")
	}
	return time.Unix(0, int64(f*float64(time.Second))), nil
}

// sameHTU compares a proof's htu with the request's URL, ignoring query
// and fragment (§4.3 step 9) after the syntax-based normalisation of
// RFC 3986 §6.2.2–6.2.3: case of scheme and host, default port, empty
// path.
func sameHTU(htu, want string) bool {
	a, ok := normalHTU(htu)
	b, ok2 := normalHTU(want)
	return ok && ok2 && a == b
}

func normalHTU(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return "", false
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6
	}
	if port != "" && !(scheme == "https" && port == "443") && !(scheme == "http" && port == "80") {
		host += ":" + port
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path, true
}

// AccessTokenHash is the ath of a proof sent with token (§4.2).
func AccessTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
