package authn_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/gateway"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
)

// BenchmarkVerify measures what authn adds to the gateway's and
// introspection's credential check: "direct" is the check as the callers
// made it before authn (verify, revocation, scopes split), "authn" the
// same token through an Authenticator that also knows API tokens.
func BenchmarkVerify(b *testing.B) {
	st, err := sqlstore.Open(b.Context(), filepath.Join(b.TempDir(), "t.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	w := newWorld(b, st)
	a := authn.New(authn.NewAPITokens(w.apiTok), authn.NewAccessTokens(w.keys.KeySource, w.revoked, nil))
	direct := func() (*gateway.Identity, error) {
		c, err := w.keys.Verify(b.Context(), "acme", w.access)
		if err != nil || w.revoked.IsRevoked("acme", c.ID, c.FamilyID) {
			return nil, err
		}
		return &gateway.Identity{Tenant: c.Tenant, Subject: c.Subject, Client: c.ClientID, Scopes: strings.Fields(c.Scope)}, nil
	}
	for _, c := range []struct {
		name   string
		verify func() (*gateway.Identity, error)
	}{
		{"direct", direct},
		{"authn", func() (*gateway.Identity, error) { return a.Verify(b.Context(), "acme", w.access) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if id, err := c.verify(); err != nil || id == nil {
						b.Fatal("not verified", err)
					}
				}
			})
		})
	}
}
