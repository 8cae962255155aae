package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate-dev/tollgate/bench/load"
)

// The requests the harness and its tests make, on bench/load's helpers.

// Admin sends a JSON:API request to node n with the bootstrap token and
// returns the decoded answer; a status other than want is an error.
func (c *Cluster) Admin(n *Node, method, path, body string, want int) (map[string]any, error) {
	h := http.Header{"Authorization": {"Bearer " + Bootstrap}, "Content-Type": {"application/vnd.api+json"}}
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	s, _, out, err := load.Send(context.Background(), c.http, method, n.Base+path, h, b, true)
	if err != nil {
		return nil, err
	}
	if s != want {
		return nil, fmt.Errorf("%s %s on %s: %d, want %d: %s", method, path, n.Name, s, want, out)
	}
	var doc map[string]any
	if len(out) > 0 {
		err = json.Unmarshal(out, &doc)
	}
	return doc, err
}

// attr reads data.attributes[name] of a JSON:API document as a string.
func attr(doc map[string]any, name string) string {
	d, _ := doc["data"].(map[string]any)
	a, _ := d["attributes"].(map[string]any)
	s, _ := a[name].(string)
	return s
}

// Token posts form to n's token endpoint with the client's Basic
// credentials and returns the status and the decoded answer.
func (c *Cluster) Token(n *Node, clientID, secret string, form url.Values) (int, map[string]any, error) {
	s, _, b, err := load.Post(context.Background(), c.http, n.Base+"/oauth2/token", load.FormHeader(clientID, secret),
		[]byte(form.Encode()), true)
	if err != nil {
		return 0, nil, err
	}
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return s, out, nil
}

// ClientToken is a client_credentials access token of the fixture's
// application from n.
func (c *Cluster) ClientToken(n *Node) (string, error) {
	s, out, err := c.Token(n, c.Fixture.ClientID, c.Fixture.ClientSecret, url.Values{"grant_type": {"client_credentials"}})
	if err != nil {
		return "", err
	}
	tok, _ := out["access_token"].(string)
	if s != http.StatusOK || tok == "" {
		return "", fmt.Errorf("client_credentials on %s: %d %v", n.Name, s, out)
	}
	return tok, nil
}

// Active introspects tok on n (RFC 7662) as the fixture's application.
func (c *Cluster) Active(n *Node, tok string) (bool, error) {
	s, _, b, err := load.Post(context.Background(), c.http, n.Base+"/oauth2/introspect",
		load.FormHeader(c.Fixture.ClientID, c.Fixture.ClientSecret), []byte(url.Values{"token": {tok}}.Encode()), true)
	if err != nil {
		return false, err
	}
	if s != http.StatusOK {
		return false, fmt.Errorf("introspect on %s: %d %s", n.Name, s, b)
	}
	return strings.Contains(string(b), `"active":true`), nil
}

// GatewayStatus is the status of GET apiPath through the gateway at base
// with tok; 0 when the request fails.
func (c *Cluster) GatewayStatus(base, tok string) int {
	s, _, _, err := load.Send(context.Background(), c.http, http.MethodGet, base+apiPath,
		http.Header{"Authorization": {"Bearer " + tok}}, nil, false)
	if err != nil {
		return 0
	}
	return s
}
