package admin

import (
	"slices"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Every way of creating an application gets the same defaults, and an
// explicit zero grace stays zero (off) rather than becoming the default.
func TestNewApplicationDefaults(t *testing.T) {
	zero, minute := time.Duration(0), time.Minute
	none := []string{}
	for _, tc := range []struct {
		name      string
		attrs     ApplicationPatch
		wantGrace time.Duration
		wantTTL   time.Duration
	}{
		{"nothing given", ApplicationPatch{}, domain.DefaultRefreshReuseGrace, domain.DefaultAccessTokenTTL},
		{"grace turned off", ApplicationPatch{RefreshReuseGrace: &zero}, 0, domain.DefaultAccessTokenTTL},
		{"zero lifetime means the default", ApplicationPatch{AccessTokenTTL: &zero}, domain.DefaultRefreshReuseGrace, domain.DefaultAccessTokenTTL},
		{"values given", ApplicationPatch{RefreshReuseGrace: &minute, AccessTokenTTL: &minute, GrantTypes: &none}, time.Minute, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newApplication(tc.attrs)
			if a.RefreshReuseGrace != tc.wantGrace || a.AccessTokenTTL != tc.wantTTL {
				t.Errorf("grace %v, access TTL %v; want %v, %v", a.RefreshReuseGrace, a.AccessTokenTTL, tc.wantGrace, tc.wantTTL)
			}
			if !slices.Equal(a.GrantTypes, DefaultGrantTypes) || a.Scopes == nil || a.DefaultScopes == nil {
				t.Errorf("grant types %v, scopes %v, default scopes %v", a.GrantTypes, a.Scopes, a.DefaultScopes)
			}
		})
	}
}

// Admins' applications are confidential and first party unless asked
// otherwise; a public one gets the grants a public client may use.
func TestNewApplicationSignInDefaults(t *testing.T) {
	a := newApplication(ApplicationPatch{})
	if a.ClientType != domain.ClientConfidential || !a.FirstParty || a.RedirectURIs == nil || a.PostLogoutRedirectURIs == nil {
		t.Errorf("defaults: %+v", a)
	}
	pub := newApplication(ApplicationPatch{ClientType: ptr(domain.ClientPublic), FirstParty: ptr(false)})
	if !pub.IsPublic() || pub.FirstParty || !slices.Equal(pub.GrantTypes, DefaultPublicGrantTypes) {
		t.Errorf("public: %+v", pub)
	}
	pub = newApplication(ApplicationPatch{ClientType: ptr(domain.ClientPublic), GrantTypes: &[]string{domain.GrantRefreshToken}})
	if !slices.Equal(pub.GrantTypes, []string{domain.GrantRefreshToken}) {
		t.Errorf("public with grants given: %v", pub.GrantTypes)
	}
}
