package gateway

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// maxPath bounds the request path the gateway will look at.
const maxPath = 8192

// table is an immutable, compiled set of APIs; a reload swaps it whole.
type table struct {
	byContext map[string]*api // key: the context, e.g. "/orders/v1"
}

type api struct {
	tenant, id, context string
	upstream            *url.URL
	operator            bool        // the operator set the upstream
	resources           []*resource // most specific first
}

type resource struct {
	method string
	label  string   // "GET /items/{id}", for metrics and logs
	segs   []string // literal segments; "" stands for a parameter
	scopes []string
	public bool
}

// compile builds a table. Definitions were validated when stored; one
// that no longer parses is skipped rather than failing the whole table.
func compile(apis []domain.API) (*table, []error) {
	t := &table{byContext: make(map[string]*api, len(apis))}
	var errs []error
	for i := range apis {
		a := &apis[i]
		if err := domain.ValidateAPI(a); err != nil {
			errs = append(errs, err)
			continue
		}
		u, _ := url.Parse(a.Upstream) // validated above
		c := &api{tenant: a.Tenant, id: a.ID, context: a.Context, upstream: u, operator: a.OperatorUpstream}
		for _, r := range a.Resources {
			c.resources = append(c.resources, &resource{
				method: r.Method, label: r.Method + " " + r.Path, segs: templateSegs(r.Path),
				scopes: slices.Clone(r.Scopes), public: r.Public,
			})
		}
		// Literal segments sort before parameters at the first position
		// where two templates differ, so /items/new wins over /items/{id}.
		slices.SortStableFunc(c.resources, func(x, y *resource) int { return compareSpecific(x.segs, y.segs) })
		t.byContext[a.Context] = c
	}
	return t, errs
}

func templateSegs(path string) []string {
	if path == "/" {
		return nil
	}
	segs := strings.Split(path[1:], "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = ""
		}
	}
	return segs
}

func compareSpecific(x, y []string) int {
	for i := 0; i < len(x) && i < len(y); i++ {
		switch {
		case x[i] == y[i]:
		case x[i] == "":
			return 1
		case y[i] == "":
			return -1
		}
	}
	return 0
}

// match is a routed request.
type match struct {
	api      *api
	resource *resource
	// rest is the path below the context, re-escaped from the decoded
	// segments the match was made on, so the upstream reads exactly the
	// path that was authorised.
	rest string
}

// route finds the API and resource for a request. escaped is the path as
// sent (URL.EscapedPath). It returns status 400 for a path that tries a
// trick, 404 for no API or resource, 405 with the allowed methods.
func (t *table) route(method, escaped string) (m match, status int, allow []string) {
	segs, ok := cleanPath(escaped)
	if !ok {
		return m, http.StatusBadRequest, nil
	}
	for k := len(segs); k >= 1; k-- {
		a := t.byContext["/"+strings.Join(segs[:k], "/")]
		if a == nil {
			continue
		}
		rest := segs[k:]
		if len(rest) == 1 && rest[0] == "" {
			rest = nil // "/orders/v1/" is the context's root
		}
		for _, r := range a.resources {
			if !segsMatch(r.segs, rest) {
				continue
			}
			if r.method == method {
				return match{api: a, resource: r, rest: escapeSegs(rest)}, 0, nil
			}
			if !slices.Contains(allow, r.method) {
				allow = append(allow, r.method)
			}
		}
		if len(allow) > 0 {
			slices.Sort(allow)
			return m, http.StatusMethodNotAllowed, allow
		}
		// The longest context owns the path: a shorter one must not pick
		// up what the longer one does not define.
		return m, http.StatusNotFound, nil
	}
	return m, http.StatusNotFound, nil
}

func segsMatch(tmpl, segs []string) bool {
	if len(tmpl) != len(segs) {
		return false
	}
	for i, s := range tmpl {
		if s == "" {
			if segs[i] == "" {
				return false
			}
			continue
		}
		if s != segs[i] {
			return false
		}
	}
	return true
}

func escapeSegs(segs []string) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// cleanPath splits an escaped request path into decoded segments. It
// refuses rather than normalises anything that could make two parties
// read different paths: dot segments (plain or encoded), encoded slashes
// and backslashes, empty segments (double slashes), NUL and control
// characters, bad escapes. A trailing slash gives a last empty segment.
func cleanPath(escaped string) ([]string, bool) {
	if len(escaped) == 0 || escaped[0] != '/' || len(escaped) > maxPath {
		return nil, false
	}
	if escaped == "/" {
		return nil, true
	}
	raw := strings.Split(escaped[1:], "/")
	segs := make([]string, len(raw))
	for i, s := range raw {
		if s == "" && i != len(raw)-1 {
			return nil, false
		}
		d, err := url.PathUnescape(s)
		if err != nil || d == "." || d == ".." {
			return nil, false
		}
		if s != d && hasEncodedTrick(s) {
			return nil, false
		}
		for j := 0; j < len(d); j++ {
			if c := d[j]; c < 0x20 || c == 0x7f || c == '/' || c == '\\' {
				return nil, false
			}
		}
		segs[i] = d
	}
	return segs, true
}

// hasEncodedTrick reports an escaped '.', '/' or '\': no honest client
// encodes them, and servers disagree on how to decode them.
func hasEncodedTrick(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "%2e") || strings.Contains(l, "%2f") || strings.Contains(l, "%5c")
}
