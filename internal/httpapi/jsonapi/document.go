// Package jsonapi owns the JSON:API (https://jsonapi.org/format/) wire
// format of the admin API: documents, error objects, decoding of request
// bodies. Both ends use it, the server and its client (adminclient), so
// it imports nothing of ours but domain; which error means which status
// is the admin API's table (adminapi), not this package's.
package jsonapi

import (
	"encoding/json"
	"net/http"
)

// MediaType is JSON:API's media type; responses always carry it.
const MediaType = "application/vnd.api+json"

// Document is a top-level response document.
type Document struct {
	// Data is a *Resource, a []Resource or nil.
	Data  any            `json:"data"`
	Links *Links         `json:"links,omitempty"`
	Meta  map[string]any `json:"meta,omitempty"`
}

// Resource is a resource object of a response.
type Resource struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Attributes any    `json:"attributes,omitempty"`
	Links      *Links `json:"links,omitempty"`
}

// Links are a document's or resource's links.
type Links struct {
	Self string `json:"self,omitempty"`
	Next string `json:"next,omitempty"`
}

// RawResource is a resource object as a client sent it.
type RawResource struct {
	Type       string          `json:"type"`
	ID         string          `json:"id"`
	Attributes json.RawMessage `json:"attributes"`
}

// RawDocument is a parsed response document whose data was not decoded
// yet; clients use it.
type RawDocument struct {
	Data   json.RawMessage `json:"data"`
	Links  *Links          `json:"links,omitempty"`
	Meta   map[string]any  `json:"meta,omitempty"`
	Errors []ErrorObject   `json:"errors,omitempty"`
}

// ErrorObject is one entry of a document's errors array.
type ErrorObject struct {
	ID     string       `json:"id,omitempty"` // request id of a 500
	Status string       `json:"status"`
	Code   string       `json:"code"`
	Title  string       `json:"title"`
	Detail string       `json:"detail,omitempty"`
	Source *ErrorSource `json:"source,omitempty"`
}

// ErrorSource points at the part of the request an error is about: a
// query parameter, or else a JSON pointer (RFC 6901) into the body, where
// "" is the whole document.
type ErrorSource struct {
	Pointer   string `json:"pointer"`
	Parameter string `json:"parameter,omitempty"`
}

// MarshalJSON omits the pointer of a parameter's error.
func (s ErrorSource) MarshalJSON() ([]byte, error) {
	if s.Parameter != "" {
		return json.Marshal(struct {
			Parameter string `json:"parameter"`
		}{s.Parameter})
	}
	return json.Marshal(struct {
		Pointer string `json:"pointer"`
	}{s.Pointer})
}

// Write sends doc with status.
func Write(w http.ResponseWriter, status int, doc any) {
	w.Header().Set("Content-Type", MediaType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if doc != nil {
		_ = json.NewEncoder(w).Encode(doc)
	}
}
