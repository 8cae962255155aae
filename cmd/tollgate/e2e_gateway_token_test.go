package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/config"
	"github.com/tollgate-dev/tollgate/internal/gateway/remote"
)

// The API manager's documented token request goes to the gateway's port
// (seeds 003 and 004):
//
//	curl -k -d "grant_type=password&username=<username>&password=<password>" \
//	  -H "Authorization: Basic <base64(consumer-key:consumer-secret)>" \
//	  -H "Content-Type: application/x-www-form-urlencoded" https://localhost:8243/token

// curlK sends a request as curl -k does: TLS without verifying the
// certificate, the form body as given.
func curlK(t *testing.T, method, u, body, authorization string) *response {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := insecure.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.TLS == nil {
		t.Fatalf("%s %s: not TLS", method, u)
	}
	return readResponse(t, resp)
}

func readResponse(t *testing.T, resp *http.Response) *response {
	t.Helper()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := &response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// gatewayTokenFlow runs the seed's requests against the TLS gateway at
// gw, whose APIs include the orders API, and checks that what it issues
// and revokes holds at that gateway (a remote one learns of revocations
// within a second, hence the polling).
func gatewayTokenFlow(t *testing.T, e *env, gw string) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(e.clientID+":"+e.clientSecret))
	seed := "grant_type=password&username=john.doe&password=s3cret-pw"
	r := curlK(t, "POST", gw+"/token", seed, basic)
	if r.status != 200 || r.str("token_type") != "Bearer" || r.body["expires_in"] != 3600.0 ||
		!strings.HasPrefix(r.str("refresh_token"), "tgr_") || r.str("scope") != "orders:read" || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("seed request at the gateway: %d %v %s", r.status, r.header, r.raw)
	}
	// scope=default: the application's default scopes, answered as "default".
	r = curlK(t, "POST", gw+"/token", seed+"&scope=default", basic)
	if r.status != 200 || r.str("scope") != "default" {
		t.Fatalf("scope=default: %d %s", r.status, r.raw)
	}
	access := r.str("access_token")
	items := func() *response {
		return curlK(t, "GET", gw+"/orders/v1/items/1", "", "Bearer "+access)
	}
	within(t, 3*time.Second, "the default scopes at the gateway", items, 200)

	// Client authentication is the token service's, answered as such.
	r = curlK(t, "POST", gw+"/token", seed, "Basic "+base64.StdEncoding.EncodeToString([]byte(e.clientID+":wrong")))
	if r.status != 401 || r.str("error") != "invalid_client" || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
		t.Fatalf("wrong secret: %d %v %s", r.status, r.header, r.raw)
	}
	if r = curlK(t, "GET", gw+"/token", "", ""); r.status != 405 || r.str("error") != "invalid_request" {
		t.Fatalf("GET /token: %d %s", r.status, r.raw)
	}
	// Per tenant: /{t}/oauth2/token and /{t}/oauth2/revoke.
	cc := url.Values{"grant_type": {"client_credentials"}, "client_id": {e.clientID}, "client_secret": {e.clientSecret}}.Encode()
	if r = curlK(t, "POST", gw+"/default/oauth2/token", cc, ""); r.status != 200 || r.str("access_token") == "" {
		t.Fatalf("/default/oauth2/token: %d %s", r.status, r.raw)
	}
	if r = curlK(t, "POST", gw+"/default/oauth2/revoke", "token="+r.str("access_token"), basic); r.status != 200 {
		t.Fatalf("/default/oauth2/revoke: %d %s", r.status, r.raw)
	}
	if r = curlK(t, "POST", gw+"/nosuch/oauth2/token", cc, ""); r.status < 400 || r.str("error") == "" {
		t.Fatalf("unknown tenant: %d %s", r.status, r.raw)
	}

	// Revoked at the gateway's /revoke, refused at the gateway.
	if r = curlK(t, "POST", gw+"/revoke", "token="+access, basic); r.status != 200 {
		t.Fatalf("/revoke: %d %s", r.status, r.raw)
	}
	within(t, 3*time.Second, "the revoked token at the gateway", items, 401)
}

// trustInTests makes the helpers' default client trust pool while t runs,
// for a server whose every listener serves TLS.
func trustInTests(t *testing.T, pool *x509.CertPool) {
	old := http.DefaultClient
	http.DefaultClient = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	t.Cleanup(func() { http.DefaultClient = old })
}

// `tollgate serve --tls-cert …`: the gateway port serves the token
// endpoints in-process.
func TestGatewayTokenEndpointsServe(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	trustInTests(t, pool)
	cfg := testConfig(t, "")
	cfg.TLSCert, cfg.TLSKey = certFile, keyFile
	e := startWith(t, cfg)
	e.createOrdersAPI(upstreamEcho(t).URL)
	gatewayTokenFlow(t, e, e.app.GatewayURL())

	// No API may take the token service's paths on the gateway.
	for _, c := range []string{"/token", "/revoke", "/default/oauth2"} {
		e.api("POST", "/api/v1/entities/apis", `{"data":{"type":"api","id":"x","attributes":{"context":"`+c+
			`","upstream":"http://example.com","resources":[{"method":"POST","path":"/","public":true}]}}}`, 400)
	}
}

// `tollgate gateway --key-manager … --token <gateway credential>` with
// TLS: the gateway forwards the token endpoints to the key manager, and
// reads the feed with a gateway credential rather than the bootstrap token.
func TestGatewayTokenEndpointsRemote(t *testing.T) {
	e := startServer(t, "")
	e.createOrdersAPI(upstreamEcho(t).URL)
	doc := e.api("POST", "/api/v1/entities/gatewayCredentials", `{"data":{"type":"gatewayCredential","id":"edge-1"}}`, 201)
	cred, _ := attrs(doc)["bearerToken"].(string)
	certFile, keyFile, _ := selfSigned(t)
	rg := runRemoteGateway(t, &config.Gateway{Addr: "127.0.0.1:0", GatewayAddr: "127.0.0.1:0", KeyManagers: []string{e.base}, Token: cred,
		TLSCert: certFile, TLSKey: keyFile, LogFormat: "text", LogLevel: "error", ShutdownGrace: 5 * time.Second})
	gatewayTokenFlow(t, e, rg.URL())
	// API tokens are resolved through the feed, with the credential.
	apiTok := e.createAPIToken(e.admin, "john.doe", "ci", `,"attributes":{"scopes":["orders:read"]}`)
	if r := curlK(t, "GET", rg.URL()+"/orders/v1/items/1", "", "Bearer "+apiTok); r.status != 200 {
		t.Fatalf("API token at the remote gateway: %d %s", r.status, r.raw)
	}

	// Deleting the credential cuts the gateway off the feed (it keeps
	// serving its last state and says so); the token endpoints, which
	// carry the callers' own credentials, keep working.
	e.api("DELETE", "/api/v1/entities/gatewayCredentials/edge-1", "", 204)
	if _, err := remote.NewClient([]string{e.base}, cred, nil).APIs(context.Background()); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("feed with a deleted gateway credential: %v", err)
	}
	readyz := func() *response {
		req, _ := http.NewRequest("GET", "http://"+rg.OpsAddr().String()+"/readyz", nil)
		return doReq(t, req)
	}
	within(t, 5*time.Second, "readyz without a credential", readyz, 503)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(e.clientID+":"+e.clientSecret))
	if r := curlK(t, "POST", rg.URL()+"/token", "grant_type=password&username=john.doe&password=s3cret-pw", basic); r.status != 200 {
		t.Fatalf("token after the credential's deletion: %d %s", r.status, r.raw)
	}
}
