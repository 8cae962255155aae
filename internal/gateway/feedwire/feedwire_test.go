package feedwire_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway/feedwire"
)

// roundTrip encodes v as the server does and decodes it as the remote
// gateway does.
func roundTrip[T any](t *testing.T, v T) (T, string) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out, string(b)
}

func TestRoundTrip(t *testing.T) {
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		run  func(t *testing.T) (got, want any)
	}{
		{"APIs with operator upstream and public resources", func(t *testing.T) (any, any) {
			in := []domain.API{{Tenant: "acme", ID: "orders", Context: "/orders", Upstream: "http://orders.internal",
				OperatorUpstream: true, Resources: []domain.APIResource{
					{Method: "GET", Path: "/items/{id}", Scopes: []string{"orders:read"}},
					{Method: "GET", Path: "/health", Scopes: []string{}, Public: true}}}}
			w, _ := roundTrip(t, feedwire.FromAPIs(in))
			return w.Domain(), in
		}},
		{"no APIs is an empty list, not null", func(t *testing.T) (any, any) {
			_, s := roundTrip(t, feedwire.FromAPIs(nil))
			return s, `{"apis":[]}`
		}},
		{"revocations", func(t *testing.T) (any, any) {
			in := []domain.Revocation{{Seq: 3, Tenant: "acme", Kind: domain.RevokeFamily, Value: "fam", ExpiresAt: expires}}
			w, _ := roundTrip(t, feedwire.FromRevocations(in))
			return w.Domain(), in
		}},
		{"keys carry the public half only", func(t *testing.T) (any, any) {
			in := []domain.SigningKey{{Tenant: "acme", ID: "k1", Algorithm: "ES256", PublicKey: []byte(`{"kty":"EC"}`),
				PrivateKey: []byte("sealed-private-key"), CreatedAt: expires, PublishUntil: &expires}}
			w, s := roundTrip(t, feedwire.FromKeys(in))
			if strings.Contains(s, "sealed-private-key") || strings.Contains(s, "c2VhbGVk") {
				t.Errorf("private key on the wire: %s", s)
			}
			k := w.Keys[0]
			return []any{k.ID, k.Algorithm, string(k.PublicKey), k.CreatedAt, *k.PublishUntil},
				[]any{"k1", "ES256", `{"kty":"EC"}`, expires, expires}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := tc.run(t); !reflect.DeepEqual(got, want) {
				t.Errorf("got %#v\nwant %#v", got, want)
			}
		})
	}
}
