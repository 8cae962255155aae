// Package feedwire is the wire format of the token service's gateway
// feed (/api/v1/gateway/…): the paths, the JSON bodies and their
// conversion from and to domain types. The server that publishes the
// feed (adminapi) and the remote gateway that reads it (gateway/remote)
// both use it, so neither imports the other.
package feedwire

import (
	"encoding/json"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Paths of the feed, relative to the key manager's base URL.
const (
	PathAPIs           = "/api/v1/gateway/apis"
	PathKeys           = "/api/v1/gateway/keys/" // + tenant
	PathRevocations    = "/api/v1/gateway/revocations"
	PathVerifyAPIToken = "/api/v1/gateway/apitokens/verify"
)

// APIs is the answer of PathAPIs.
type APIs struct {
	APIs []API `json:"apis"`
}

// API is one API definition.
type API struct {
	Tenant    string     `json:"tenant"`
	ID        string     `json:"id"`
	Context   string     `json:"context"`
	Upstream  string     `json:"upstream"`
	Resources []Resource `json:"resources"`
	// OperatorUpstream: the operator set the upstream (see
	// domain.API); absent, the gateway applies the tenant admin's rule.
	OperatorUpstream bool `json:"operatorUpstream,omitempty"`
}

// Resource is one operation of an API.
type Resource struct {
	Method string   `json:"method"`
	Path   string   `json:"path"`
	Scopes []string `json:"scopes"`
	Public bool     `json:"public,omitempty"`
}

// Keys is the answer of PathKeys: public keys only.
type Keys struct {
	Keys []Key `json:"keys"`
}

// Key is a published verification key.
type Key struct {
	ID           string          `json:"kid"`
	Algorithm    string          `json:"alg"`
	PublicKey    json.RawMessage `json:"publicKey"` // JWK
	CreatedAt    time.Time       `json:"createdAt"`
	PublishUntil *time.Time      `json:"publishUntil,omitempty"`
}

// Revocations is the answer of PathRevocations.
type Revocations struct {
	Revocations []Revocation `json:"revocations"`
}

// Revocation is one entry of the revocation set.
type Revocation struct {
	Seq       int64     `json:"seq"`
	Tenant    string    `json:"tenant"`
	Kind      string    `json:"kind"`
	Value     string    `json:"value"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// VerifyAPIToken is the request body of PathVerifyAPIToken.
type VerifyAPIToken struct {
	Tenant string `json:"tenant"`
	Token  string `json:"token"`
}

// APITokenIdentity is its answer for a valid token (401 otherwise).
type APITokenIdentity struct {
	Tenant  string   `json:"tenant"`
	Subject string   `json:"subject"`
	Scopes  []string `json:"scopes"`
}

// FromAPIs converts stored APIs to their wire form.
func FromAPIs(xs []domain.API) APIs {
	out := APIs{APIs: []API{}}
	for _, a := range xs {
		w := API{Tenant: a.Tenant, ID: a.ID, Context: a.Context, Upstream: a.Upstream, Resources: []Resource{},
			OperatorUpstream: a.OperatorUpstream}
		for _, r := range a.Resources {
			w.Resources = append(w.Resources, Resource{Method: r.Method, Path: r.Path, Scopes: r.Scopes, Public: r.Public})
		}
		out.APIs = append(out.APIs, w)
	}
	return out
}

// Domain converts the wire form back to APIs.
func (w APIs) Domain() []domain.API {
	out := make([]domain.API, 0, len(w.APIs))
	for _, a := range w.APIs {
		d := domain.API{Tenant: a.Tenant, ID: a.ID, Context: a.Context, Upstream: a.Upstream, OperatorUpstream: a.OperatorUpstream}
		for _, r := range a.Resources {
			d.Resources = append(d.Resources, domain.APIResource{Method: r.Method, Path: r.Path, Scopes: r.Scopes, Public: r.Public})
		}
		out = append(out, d)
	}
	return out
}

// FromKeys converts keys to their wire form.
func FromKeys(xs []domain.SigningKey) Keys {
	out := Keys{Keys: []Key{}}
	for _, k := range xs {
		out.Keys = append(out.Keys, Key{ID: k.ID, Algorithm: k.Algorithm, PublicKey: k.PublicKey,
			CreatedAt: k.CreatedAt, PublishUntil: k.PublishUntil})
	}
	return out
}

// FromRevocations converts revocations to their wire form.
func FromRevocations(xs []domain.Revocation) Revocations {
	out := Revocations{Revocations: []Revocation{}}
	for _, r := range xs {
		out.Revocations = append(out.Revocations, Revocation{Seq: r.Seq, Tenant: r.Tenant, Kind: r.Kind, Value: r.Value, ExpiresAt: r.ExpiresAt})
	}
	return out
}

// Domain converts the wire form back to revocations.
func (w Revocations) Domain() []domain.Revocation {
	out := make([]domain.Revocation, 0, len(w.Revocations))
	for _, r := range w.Revocations {
		out = append(out, domain.Revocation{Seq: r.Seq, Tenant: r.Tenant, Kind: r.Kind, Value: r.Value, ExpiresAt: r.ExpiresAt})
	}
	return out
}
