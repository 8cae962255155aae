package session

import "net/http"

// FromOwnPage reports whether r may be authenticated by its session
// cookie, which the browser sends whoever made the page that asks: only
// a call from this server's own pages may (Sec-Fetch-Site: same-origin,
// or an Origin equal to origin, the public URL's). Callers refuse
// anything else before the cookie is even looked up, so a cross-site
// request changes and learns nothing.
func FromOwnPage(r *http.Request, origin string) bool {
	return r.Header.Get("Sec-Fetch-Site") == "same-origin" || origin != "" && r.Header.Get("Origin") == origin
}
