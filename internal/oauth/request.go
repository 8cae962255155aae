package oauth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tollgate-dev/tollgate/internal/authheader"
)

// Limits on untrusted input.
const (
	MaxBodyBytes  = 64 << 10 // a token request is small; anything larger is hostile
	maxValueBytes = 4096
	maxResources  = 10
)

// Request is a token, introspection or revocation request as read from
// the wire. What every endpoint needs is typed here; the other parameters
// wait, as sent, for the parse step of the grant the request names
// (grant.go), which reads them into that grant's own request type.
type Request struct {
	Client ClientCredentials
	// Token is the token an introspection (RFC 7662 §2.1) or revocation
	// (RFC 7009 §2.1) request names.
	Token string
	// RemoteAddr is the caller's IP, for throttling and audit.
	RemoteAddr string
	// DPoP holds the request's DPoP headers (RFC 9449 §4.1: one at most)
	// and URL the request's URL as the client addressed it, which a
	// proof's htu must name.
	DPoP      []string
	URL       string
	resources []string // RFC 8707: the only repeatable parameter
	params    params
}

// ClientCredentials are what the request offers to authenticate the client.
type ClientCredentials struct {
	ID     string
	Secret string
	Basic  bool // came from the Authorization header
	// Assertion is a private_key_jwt client assertion (RFC 7523 §2.2).
	Assertion string
}

// AssertionTypeJWT is the one client_assertion_type (RFC 7523 §2.2).
const AssertionTypeJWT = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// params are a request's single-valued parameters as sent. They are
// written only while the body is read, each name once, and read only by
// parse steps.
type params map[string]string

func (p params) get(name string) string { return p[name] }

// ParseRequest reads an OAuth request body and Authorization header.
// Bodies are application/x-www-form-urlencoded (RFC 6749 §3.2) or JSON.
// No parameter may repeat (§3.2) except resource (RFC 8707 §2), values must
// be valid UTF-8 and bounded, and the client may use only one
// authentication method (§2.3).
func ParseRequest(contentType, authorization string, body io.Reader) (*Request, error) {
	raw, err := io.ReadAll(io.LimitReader(body, MaxBodyBytes+1))
	if err != nil {
		return nil, InvalidRequest("could not read the request body")
	}
	if len(raw) > MaxBodyBytes {
		e := InvalidRequest("request body larger than 64 KiB")
		e.Status = http.StatusRequestEntityTooLarge
		return nil, e
	}
	req := &Request{params: params{}}
	media, _, _ := mime.ParseMediaType(contentType)
	switch media {
	case "application/x-www-form-urlencoded":
		err = req.parseForm(string(raw))
	case "application/json":
		err = req.parseJSON(raw)
	case "":
		if len(raw) > 0 {
			err = InvalidRequest("missing Content-Type; use application/x-www-form-urlencoded")
		}
	default:
		err = InvalidRequest("unsupported Content-Type " + strconv.Quote(media) + "; use application/x-www-form-urlencoded")
	}
	if err != nil {
		return nil, err
	}
	if err := req.parseClient(authorization); err != nil {
		return nil, err
	}
	req.Token = req.params.get("token")
	return req, nil
}

func (r *Request) parseForm(body string) error {
	values, err := url.ParseQuery(body)
	if err != nil {
		return InvalidRequest("malformed form body")
	}
	for name, vs := range values {
		if name == "resource" {
			for _, v := range vs {
				if err := r.addResource(v); err != nil {
					return err
				}
			}
			continue
		}
		if len(vs) > 1 {
			return InvalidRequest("parameter " + strconv.Quote(name) + " repeated")
		}
		if err := r.set(name, vs[0]); err != nil {
			return err
		}
	}
	return nil
}

// parseJSON accepts an object of strings (numbers for numeric parameters,
// an array of strings for resource). The object is read token by token, as
// a map would keep only the last of two equal keys: a key may appear once,
// as in a form body, whatever escapes spell it ("grant_type" and
// "grant\u005ftype" are the same key once decoded).
func (r *Request) parseJSON(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return InvalidRequest("malformed JSON body")
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		name, isKey := t.(string)
		if err != nil || !isKey {
			return InvalidRequest("malformed JSON body")
		}
		if seen[name] {
			return InvalidRequest("parameter " + strconv.Quote(name) + " repeated")
		}
		seen[name] = true
		var v any
		if err := dec.Decode(&v); err != nil {
			return InvalidRequest("malformed JSON body")
		}
		if err := r.setJSON(name, v); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return InvalidRequest("malformed JSON body")
	}
	if _, err := dec.Token(); err != io.EOF {
		return InvalidRequest("trailing data after the JSON body")
	}
	return nil
}

// setJSON sets one member of a JSON body.
func (r *Request) setJSON(name string, v any) error {
	switch v := v.(type) {
	case string:
		if name == "resource" {
			return r.addResource(v)
		}
		return r.set(name, v)
	case json.Number:
		return r.set(name, v.String())
	case []any:
		if name != "resource" {
			return InvalidRequest("parameter " + strconv.Quote(name) + " repeated")
		}
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return InvalidRequest("resource must be a string or an array of strings")
			}
			if err := r.addResource(s); err != nil {
				return err
			}
		}
		return nil
	default:
		return InvalidRequest("parameter " + strconv.Quote(name) + " must be a string")
	}
}

func (r *Request) set(name, value string) error {
	if err := checkValue(name, value); err != nil {
		return err
	}
	if _, dup := r.params[name]; dup {
		return InvalidRequest("parameter " + strconv.Quote(name) + " repeated")
	}
	r.params[name] = value
	return nil
}

func (r *Request) addResource(v string) error {
	if err := checkValue("resource", v); err != nil {
		return err
	}
	if len(r.resources) == maxResources {
		return InvalidTarget("too many resource parameters")
	}
	r.resources = append(r.resources, v)
	return nil
}

func checkValue(name, v string) error {
	if !utf8.ValidString(name) || len(name) > 128 {
		return InvalidRequest("malformed parameter name")
	}
	if len(v) > maxValueBytes {
		return InvalidRequest("parameter " + strconv.Quote(name) + " is too long")
	}
	if !utf8.ValidString(v) {
		return InvalidRequest("parameter " + strconv.Quote(name) + " is not valid UTF-8")
	}
	return nil
}

// parseClient merges HTTP Basic and body credentials, refusing a request
// that uses both methods (RFC 6749 §2.3).
func (r *Request) parseClient(authorization string) error {
	id, secret := r.params.get("client_id"), r.params.get("client_secret")
	assertion, assertionType := r.params.get("client_assertion"), r.params.get("client_assertion_type")
	if assertion != "" || assertionType != "" {
		switch {
		case assertionType != AssertionTypeJWT:
			return InvalidRequest("client_assertion_type must be " + AssertionTypeJWT)
		case assertion == "":
			return InvalidRequest("client_assertion_type without client_assertion")
		case authorization != "" || secret != "":
			return InvalidRequest("client authenticated with a client assertion and a secret; use one method")
		}
		r.Client = ClientCredentials{ID: id, Assertion: assertion}
		return nil
	}
	if authorization == "" {
		r.Client = ClientCredentials{ID: id, Secret: secret}
		return nil
	}
	bid, bsecret, err := ParseBasic(authorization)
	if err != nil {
		return err
	}
	if secret != "" {
		return InvalidRequest("client authenticated with both HTTP Basic and client_secret; use one method")
	}
	if id != "" && id != bid {
		return InvalidRequest("client_id in the body differs from HTTP Basic")
	}
	r.Client = ClientCredentials{ID: bid, Secret: bsecret, Basic: true}
	return nil
}

// ParseBasic decodes an HTTP Basic Authorization header. The id and secret
// are form-url-decoded (RFC 6749 §2.3.1); values that are not valid
// url-encoding are taken as they are, as many clients do not encode.
func ParseBasic(header string) (id, secret string, err error) {
	c, err := authheader.ParseValue(header)
	if err != nil {
		return "", "", AsError(err)
	}
	if c.Scheme != authheader.Basic {
		return "", "", InvalidClient(false)
	}
	decoded, derr := base64.StdEncoding.DecodeString(c.Token)
	if derr != nil || !utf8.Valid(decoded) {
		return "", "", InvalidClient(true)
	}
	rawID, rawSecret, ok := strings.Cut(string(decoded), ":")
	if !ok || rawID == "" || len(decoded) > 2*maxValueBytes {
		return "", "", InvalidClient(true)
	}
	return formDecode(rawID), formDecode(rawSecret), nil
}

func formDecode(s string) string {
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}
