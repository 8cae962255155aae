package oauth

import (
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

func TestIssuedTo(t *testing.T) {
	for _, tc := range []struct {
		name, token, app string
		want             bool
	}{
		{"same client", "abc", "abc", true},
		{"another client", "abc", "xyz", false},
		{"embed client", domain.EmbedApplicationID, domain.EmbedApplicationID, true},
		{"embed token from before the rename", domain.LegacyEmbedApplicationID, domain.EmbedApplicationID, true},
		{"the old id revoking a new token", domain.EmbedApplicationID, domain.LegacyEmbedApplicationID, true},
		{"embed token and a stored client", domain.LegacyEmbedApplicationID, "abc", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := issuedTo(tc.token, tc.app); got != tc.want {
				t.Errorf("issuedTo(%q, %q) = %v", tc.token, tc.app, got)
			}
		})
	}
}
