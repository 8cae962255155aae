package federation_test

import (
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
)

// TestEmailVerifiedAsString: some providers (Amazon Cognito among
// them) send email_verified as the string "false". Such an address is no
// more verified than a boolean false one and must name no one: else
// anyone who types a victim's address at the provider signs in as the
// user an admin provisioned for it.
func TestEmailVerifiedAsString(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		m := newMock(t, rewriteIDToken(t, false, func(c map[string]any) { c["email_verified"] = "false" }))
		e.addProvider(t, "acme", "cognito", m, func(p *domain.IdentityProvider) { p.UsernameClaim = "email" })
		m.QueueUser(&mockoidc.MockUser{Subject: "s9", Email: "victim@example.com"})
		res, err := e.signIn(t, "acme", "cognito")
		if err == nil {
			t.Fatalf("an unverified address (\"false\") signed in as %q", res.User.ID)
		}
		if msg := publicError(t, err); !strings.Contains(msg, "did not say who you are") {
			t.Errorf("unverified email: %q", msg)
		}
	})
}
