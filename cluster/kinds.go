package cluster

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/tollgate-dev/tollgate/bench/load"
)

// changeKind is one kind of change the issue lists; sample(i) prepares
// its i-th change.
type changeKind struct {
	name   string
	sample func(i int) (*sample, error)
}

// changeKinds are issue 17's six. Each probe is a request a client would
// make that the change must alter on that target.
func (c *Cluster) changeKinds() []changeKind {
	n1, n2, n3, rg := c.Nodes[0], c.Nodes[1], c.Nodes[2], c.Gateway.Base
	inactive := func(n *Node, tok string) probe {
		return func() (bool, error) { on, err := c.Active(n, tok); return !on, err }
	}
	gatewayIs := func(base string, tok *atomic.Pointer[string], status int) probe {
		return func() (bool, error) {
			t := tok.Load()
			return t != nil && c.GatewayStatus(base, *t) == status, nil
		}
	}
	// A token (or API token) no target accepts any more: introspected
	// inactive on nodes 2 and 3, refused by the remote gateway.
	dead := func(tok string) [3]probe {
		p := pointer(tok)
		return [3]probe{inactive(n2, tok), inactive(n3, tok), gatewayIs(rg, p, http.StatusUnauthorized)}
	}
	admin := func(method, path, body string, want int) func() error {
		return func() error { _, err := c.Admin(n1, method, path, body, want); return err }
	}
	var disabledUserToken, apiToken string
	// A user of its own per measurement, so the cluster can be measured
	// again (idle, then under load).
	c.measurements++
	carol := fmt.Sprintf("carol%d", c.measurements)
	return []changeKind{
		{"revocation", func(int) (*sample, error) {
			tok, err := c.ClientToken(n1)
			return &sample{probes: dead(tok), change: func() error { return c.revoke(n1, tok) }}, err
		}},
		{"API-token deletion", func(i int) (*sample, error) {
			path := fmt.Sprintf("/api/v1/entities/users/%s/apiTokens/p%d", c.Fixture.User, i)
			tok, err := c.createAPIToken(n1, c.Fixture.User, fmt.Sprintf("p%d", i))
			return &sample{probes: dead(tok), change: admin("DELETE", path, "", http.StatusNoContent)}, err
		}},
		{"user disabled", func(int) (*sample, error) {
			if disabledUserToken == "" {
				var err error
				if disabledUserToken, err = c.userWithToken(n1, carol); err != nil {
					return nil, err
				}
			}
			patch := func(on bool) func() error {
				return admin("PATCH", "/api/v1/entities/users/"+carol,
					fmt.Sprintf(`{"data":{"type":"user","id":"%s","attributes":{"disabled":%t}}}`, carol, on), http.StatusOK)
			}
			return &sample{probes: dead(disabledUserToken), change: patch(true), undo: patch(false)}, nil
		}},
		{"application deleted", func(i int) (*sample, error) {
			id, secret, err := c.createApp(n1, fmt.Sprintf("gone%d", i))
			refused := func(n *Node) probe {
				return func() (bool, error) {
					s, _, err := c.Token(n, id, secret, url.Values{"grant_type": {"client_credentials"}})
					return s == http.StatusUnauthorized, err
				}
			}
			// No gateway probe: a gateway checks tokens, not clients, and
			// the JWTs the application was issued stay valid until they
			// expire.
			return &sample{probes: [3]probe{refused(n2), refused(n3), nil},
				change: admin("DELETE", "/api/v1/entities/applications/"+id, "", http.StatusNoContent)}, err
		}},
		{"key rotation", func(int) (*sample, error) {
			old, err := c.kid(n1)
			signsNew := func(n *Node) probe {
				return func() (bool, error) { k, err := c.kid(n); return k != old, err }
			}
			// The gateway accepts a token signed with the new key once it
			// knows it; such a token exists only after the rotation.
			var fresh atomic.Pointer[string]
			rotate := func() error {
				if err := admin("POST", "/api/v1/actions/keys/rotate", "", http.StatusNoContent)(); err != nil {
					return err
				}
				tok, err := c.ClientToken(n1)
				fresh.Store(&tok)
				return err
			}
			return &sample{probes: [3]probe{signsNew(n2), signsNew(n3), gatewayIs(rg, &fresh, http.StatusOK)}, change: rotate}, err
		}},
		{"API definition change", func(int) (*sample, error) {
			if apiToken == "" {
				var err error
				if apiToken, err = c.ClientToken(n1); err != nil {
					return nil, err
				}
			}
			p := pointer(apiToken)
			needs := func(scope string) func() error {
				return admin("PATCH", "/api/v1/entities/apis/orders", `{"data":{"type":"api","id":"orders","attributes":{"resources":[`+
					`{"method":"GET","path":"/items/{id}","scopes":["`+scope+`"]}]}}}`, http.StatusOK)
			}
			forbidden := func(base string) probe { return gatewayIs(base, p, http.StatusForbidden) }
			return &sample{probes: [3]probe{forbidden(n2.Gateway), forbidden(n3.Gateway), forbidden(rg)},
				change: needs(ordersWrite), undo: needs(ordersRead)}, nil
		}},
	}
}

func pointer(s string) *atomic.Pointer[string] {
	var p atomic.Pointer[string]
	p.Store(&s)
	return &p
}

// revoke revokes tok on n (RFC 7009) as the fixture's application.
func (c *Cluster) revoke(n *Node, tok string) error {
	s, _, b, err := load.Post(context.Background(), c.http, n.Base+"/oauth2/revoke",
		load.FormHeader(c.Fixture.ClientID, c.Fixture.ClientSecret), []byte(url.Values{"token": {tok}}.Encode()), true)
	if err == nil && s != http.StatusOK {
		err = fmt.Errorf("revoke on %s: %d %s", n.Name, s, b)
	}
	return err
}

// createAPIToken creates API token id of user on n and returns its secret.
func (c *Cluster) createAPIToken(n *Node, user, id string) (string, error) {
	doc, err := c.Admin(n, "POST", "/api/v1/entities/users/"+user+"/apiTokens", `{"data":{"type":"apiToken","id":"`+id+`"}}`, http.StatusCreated)
	return attr(doc, "bearerToken"), err
}

// userWithToken creates a reader user and an API token of theirs.
func (c *Cluster) userWithToken(n *Node, user string) (string, error) {
	if _, err := c.Admin(n, "POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"`+user+
		`","attributes":{"password":"`+c.Fixture.Password+`","roles":["reader"]}}}`, http.StatusCreated); err != nil {
		return "", err
	}
	return c.createAPIToken(n, user, "probe")
}

// kid is the key id in the header of a token n signs now.
func (c *Cluster) kid(n *Node) (string, error) {
	tok, err := c.ClientToken(n)
	if err != nil {
		return "", err
	}
	head, _, _ := strings.Cut(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return "", err
	}
	var h struct{ Kid string }
	return h.Kid, json.Unmarshal(b, &h)
}
