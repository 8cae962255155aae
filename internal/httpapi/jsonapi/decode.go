package jsonapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// MaxBody is the largest request body accepted.
const MaxBody = 64 << 10

// Decode reads a request document whose data is one resource of type typ,
// decodes its attributes into attrs (unknown attributes are refused) and
// returns the resource's id. urlID is the id the URL names ("" on a
// collection); a body id that differs from it is refused.
func Decode(w http.ResponseWriter, r *http.Request, typ, urlID string, attrs any) (string, error) {
	if err := CheckMediaType(r.Header.Get("Content-Type")); err != nil {
		return "", err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return "", TooLarge(MaxBody)
		}
		return "", BadRequest("", "reading body: %v", err)
	}
	res, err := parseResource(body)
	if err != nil {
		return "", err
	}
	if res.Type != typ {
		return "", BadRequest("/data/type", "type must be %q", typ)
	}
	if urlID != "" && res.ID != "" && res.ID != urlID {
		return "", BadRequest("/data/id", "id %q does not match the URL's %q", res.ID, urlID)
	}
	if err := decodeAttributes(res.Attributes, attrs); err != nil {
		return "", err
	}
	return res.ID, nil
}

// CheckMediaType accepts JSON in any of its media types: JSON:API's,
// application/json and every application/*+json (RFC 6839 §3.1), such as
// the analytics platform's application/vnd.gooddata.api+json; parameters
// such as charset are allowed.
func CheckMediaType(ct string) error {
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		sub, ok := strings.CutPrefix(mt, "application/")
		if ok && (sub == "json" || len(sub) > len("+json") && strings.HasSuffix(sub, "+json")) {
			return nil
		}
	}
	return UnsupportedMediaType(ct)
}

func parseResource(body []byte) (*RawResource, error) {
	var doc struct {
		Data *json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, BadRequest("", "malformed JSON: %v", err)
	}
	if doc.Data == nil || bytes.Equal(bytes.TrimSpace(*doc.Data), []byte("null")) {
		return nil, BadRequest("/data", "data is required")
	}
	var res RawResource
	if err := json.Unmarshal(*doc.Data, &res); err != nil {
		return nil, BadRequest("/data", "data must be a resource object")
	}
	return &res, nil
}

// decodeAttributes decodes raw into attrs, pointing errors at the
// attribute at fault.
func decodeAttributes(raw json.RawMessage, attrs any) error {
	if len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(attrs)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return BadRequest("/data/attributes", "attributes must be an object")
		}
		return BadRequest("/data/attributes/"+strings.ReplaceAll(te.Field, ".", "/"),
			"%s must be %s", te.Field, describe(te.Type.Kind().String()))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return BadRequest("/data/attributes/"+name, "unknown attribute %q", name)
	}
	return BadRequest("/data/attributes", "bad attributes: %v", err)
}

func describe(kind string) string {
	switch kind {
	case "slice":
		return "an array"
	case "int", "int64":
		return "an integer"
	case "bool":
		return "a boolean"
	case "string":
		return "a string"
	case "ptr":
		return "a value of another type"
	}
	return "of another type (" + kind + ")"
}

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}
