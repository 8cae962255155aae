package cluster

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
)

// The fixture's API: GET items needs ordersRead; propagation tests flip
// it to ordersWrite.
const (
	ordersRead  = "orders:read"
	ordersWrite = "orders:write"
	apiPath     = "/orders/v1/items/1"
)

// Fixture is what New seeds through node 1's admin API.
type Fixture struct {
	ClientID, ClientSecret string // password, refresh_token, client_credentials
	User, Password         string // holds ordersRead through the reader role
	Upstream               string // the API's upstream, served by the test process
}

// seed creates the fixture on node 1, as an operator would.
func (c *Cluster) seed() error {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":1}`))
	}))
	c.closers = append(c.closers, up.Close)
	c.Fixture = Fixture{User: "alice", Password: "cluster harness password", Upstream: up.URL}
	upstream, _ := json.Marshal(up.URL)
	n := c.Nodes[0]
	steps := []struct{ path, body string }{
		{"/api/v1/entities/scopes", `{"data":{"type":"scope","id":"` + ordersRead + `"}}`},
		{"/api/v1/entities/scopes", `{"data":{"type":"scope","id":"` + ordersWrite + `"}}`},
		{"/api/v1/entities/roles", `{"data":{"type":"role","id":"reader","attributes":{"scopes":["` + ordersRead + `"]}}}`},
		{"/api/v1/entities/users", `{"data":{"type":"user","id":"alice","attributes":{"password":"` + c.Fixture.Password + `","roles":["reader"]}}}`},
		{"/api/v1/entities/apis", `{"data":{"type":"api","id":"orders","attributes":{"context":"/orders/v1","upstream":` +
			string(upstream) + `,"resources":[{"method":"GET","path":"/items/{id}","scopes":["` + ordersRead + `"]}]}}}`},
	}
	for _, s := range steps {
		if _, err := c.Admin(n, "POST", s.path, s.body, http.StatusCreated); err != nil {
			return err
		}
	}
	var err error
	c.Fixture.ClientID, c.Fixture.ClientSecret, err = c.createApp(n, "load")
	return err
}

// createApp creates an application on n that may use every grant the
// load sends, and returns its credentials.
func (c *Cluster) createApp(n *Node, name string) (id, secret string, err error) {
	doc, err := c.Admin(n, "POST", "/api/v1/entities/applications", `{"data":{"type":"application","attributes":{"name":"`+name+
		`","grantTypes":["password","refresh_token","client_credentials"],"scopes":["`+ordersRead+`","`+ordersWrite+
		`"],"defaultScopes":["`+ordersRead+`"]}}}`, http.StatusCreated)
	if err != nil {
		return "", "", err
	}
	return attr(doc, "clientId"), attr(doc, "clientSecret"), nil
}
