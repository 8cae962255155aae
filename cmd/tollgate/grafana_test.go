package main

import (
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// metricName finds the series names in a PromQL expression: identifiers
// of the families Tollgate exports, histogram suffixes included.
var metricName = regexp.MustCompile(`\b(?:tollgate|go|process)_[a-z_]+\b`)

// TestGrafanaDashboard (issue 19 item 3): docs/grafana/tollgate.json is a
// dashboard whose every query names series a server exports. The server
// first does one of each thing a panel counts (tokens issued and refused,
// a revocation, gateway requests, a broker hand-out and a broker
// failure), since a labelled series exists only once used.
func TestGrafanaDashboard(t *testing.T) {
	raw, err := os.ReadFile("../../docs/grafana/tollgate.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil || dash.Title == "" || len(dash.Panels) == 0 {
		t.Fatalf("not a dashboard: %v", err)
	}
	e := startServer(t, "")
	access := e.passwordToken("orders:read").str("access_token")
	e.post("/token", url.Values{"grant_type": {"client_credentials"}}, e.clientID, "wrong")
	e.post("/oauth2/revoke", url.Values{"token": {access}}, e.clientID, e.clientSecret)
	e.createOrdersAPI(upstreamEcho(t).URL)
	e.gatewayDo("GET", "/orders/v1/items/1", e.passwordToken("orders:read").str("access_token"), nil)
	brokerCallers(t, e)
	if r := e.do("GET", "/default/broker/powerbi/token", "", "", "Bearer "+e.admin); r.status != 200 {
		t.Fatalf("broker hand-out: %d %s", r.status, r.raw)
	}
	broken := newCountingUpstream(t)
	broken.fail.Store(true)
	e.brokerProvider(t, "", "broken", broken.URL+"/token", "app-2", "s3cret", func(p *domain.BrokerProvider) { p.Default = false })
	e.do("GET", "/default/broker/broken/token", "", "", "Bearer "+e.admin)

	metrics := e.do("GET", "/metrics", "", "", "").raw
	queried := 0
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			names := metricName.FindAllString(q.Expr, -1)
			if len(names) == 0 {
				t.Errorf("panel %q: no metric in %q", p.Title, q.Expr)
			}
			for _, n := range names {
				queried++
				if !strings.Contains(metrics, "\n"+n+"{") && !strings.Contains(metrics, "\n"+n+" ") {
					t.Errorf("panel %q queries %s, which /metrics does not export", p.Title, n)
				}
			}
		}
	}
	t.Logf("%d panels, %d metric references, all on /metrics", len(dash.Panels), queried)
}
