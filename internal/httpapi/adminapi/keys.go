package adminapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

// maxRotateBody bounds the rotate action's body, a one-member object.
const maxRotateBody = 4 << 10

// rotateKeyIn is the optional body of the rotate action. Alg empty keeps
// the active key's algorithm; an unsupported one is a 400 that lists the
// supported ones (token.ErrUnsupportedAlgorithm, mapped in jsonapi).
type rotateKeyIn struct {
	Alg string `json:"alg"`
}

// rotateKey: POST /api/v1/actions/keys/rotate makes a new signing key for
// the tenant, with an empty body or {"alg":"EdDSA"}; 204.
func (h *Handler) rotateKey(w http.ResponseWriter, r *http.Request, c call) error {
	in, err := decodeRotateKey(w, r)
	if err != nil {
		return err
	}
	if err := h.Service.RotateSigningKey(r.Context(), c.p, c.tenant, in.Alg); err != nil {
		return err
	}
	return noContent(w)
}

// decodeRotateKey reads the optional body. An action's body is plain
// JSON, not a resource document: there is no resource to name.
func decodeRotateKey(w http.ResponseWriter, r *http.Request) (rotateKeyIn, error) {
	var in rotateKeyIn
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRotateBody))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return in, jsonapi.TooLarge(maxRotateBody)
		}
		return in, jsonapi.BadRequest("", "reading body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return in, nil
	}
	if err := jsonapi.CheckMediaType(r.Header.Get("Content-Type")); err != nil {
		return in, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			name = strings.Trim(name, `"`)
			return in, jsonapi.BadRequest("/"+name, "unknown member %q; the body is {\"alg\":\"…\"}", name)
		}
		return in, jsonapi.BadRequest("", `the body must be {"alg":"…"} or empty: %v`, err)
	}
	if dec.More() {
		return in, jsonapi.BadRequest("", `the body must be one object, {"alg":"…"}`)
	}
	return in, nil
}
