package gateway

import "github.com/tollgate-dev/tollgate/internal/domain"

// Explanation is how the gateway routes a request, before it looks at any
// token: the console's "test a path" shows it.
type Explanation struct {
	// Status is 0 when a resource matched; else the gateway's refusal:
	// 400 (a path it refuses to read), 404 or 405.
	Status int
	// Allow lists the path's methods, with 405.
	Allow []string
	// API and Resource ("GET /items/{id}") name the match; Scopes are what
	// a token needs, none at all when Public.
	API, Resource string
	Scopes        []string
	Public        bool
}

// Explain routes method and escapedPath (the path as a client sends it)
// through a route table of apis with the very code ServeHTTP uses, so
// the answer cannot drift from what the gateway does.
func Explain(apis []domain.API, method, escapedPath string) Explanation {
	t, _ := compile(apis)
	m, status, allow := t.route(method, escapedPath)
	if status != 0 {
		return Explanation{Status: status, Allow: allow}
	}
	return Explanation{API: m.api.id, Resource: m.resource.label, Scopes: m.resource.scopes, Public: m.resource.public}
}
