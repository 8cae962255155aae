package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore/sqltest"
)

// brokerProvider creates provider id of tenant ("" = default) on e's
// database, its client secret sealed with e's master key, as the
// operator would (so a loopback token URL is allowed).
func (e *env) brokerProvider(t testing.TB, tenant, id, tokenURL, clientID, clientSecret string, edit func(*domain.BrokerProvider)) {
	t.Helper()
	if tenant == "" {
		tenant = domain.DefaultTenant
	}
	key, err := secret.LoadOrCreateMasterKey(e.cfg.MasterKeyPath())
	must(t, err)
	sealer, err := secret.NewSealer(key)
	must(t, err)
	sealed, err := sealer.Seal([]byte(clientSecret), domain.BrokerSealAD(tenant, id, domain.BrokerSealClientSecret))
	must(t, err)
	p := &domain.BrokerProvider{Tenant: tenant, ID: id, TokenURL: tokenURL, GrantType: domain.BrokerGrantClientCredentials,
		ClientID: clientID, SealedClientSecret: sealed, Resource: "https://analysis.windows.net/powerbi/api",
		AllowedRoles: []string{"reader"}, RefreshBefore: 5 * time.Minute, Default: true, ByOperator: true}
	if edit != nil {
		edit(p)
	}
	st := sqltest.Open(t, e.cfg.DatabaseDSN())
	must(t, st.CreateBrokerProvider(t.Context(), tenant, p))
}

// countingUpstream is an Azure-AD-shaped token endpoint that counts its
// calls; fail, when set, makes it answer 400 with a secret in the body.
type countingUpstream struct {
	*httptest.Server
	calls atomic.Int64
	fail  atomic.Bool
}

func newCountingUpstream(t testing.TB) *countingUpstream {
	u := &countingUpstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := u.calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if u.fail.Load() {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"bad secret ` + leakedSecret + `"}`))
			return
		}
		time.Sleep(20 * time.Millisecond) // let concurrent callers pile up
		_ = json.NewEncoder(w).Encode(map[string]string{"access_token": "upstream-" + strconv.FormatInt(n, 10),
			"token_type": "Bearer", "expires_in": "3599", "resource": r.PostFormValue("resource")})
	}))
	t.Cleanup(u.Close)
	return u
}

// leakedSecret is what a careless upstream echoes in an error.
const leakedSecret = "echoed-client-secret-XYZ"

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
