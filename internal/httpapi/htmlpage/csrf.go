package htmlpage

import (
	"crypto/rand"
	"net/http"

	"github.com/tollgate-dev/tollgate/internal/secret"
)

// CSRFField is the form field, and the CSRF cookie's value, that a form's
// POST must carry back: a page on another site can make the browser send
// the cookie but cannot read it to fill the field (double submit).
const CSRFField = "csrf_token"

// Forms guards the forms of the server's pages against cross-site
// requests: the origin check of net/http's CrossOriginProtection (it
// reads Sec-Fetch-Site, else compares Origin with Host) and a
// double-submit token.
type Forms struct {
	secure      bool
	crossOrigin *http.CrossOriginProtection
}

// NewForms returns Forms; secure (https) gives the cookie the __Host-
// prefix and the Secure attribute.
func NewForms(secure bool) *Forms {
	return &Forms{secure: secure, crossOrigin: http.NewCrossOriginProtection()}
}

// cookieName is the CSRF cookie's name. Its underscore, which no tenant
// slug has, keeps it apart from every tenant's session cookie
// ("tollgate-" + slug): with a dash, tenant "csrf" would share it and
// every page would overwrite the session with a CSRF token.
func (f *Forms) cookieName() string {
	if f.secure {
		return "__Host-tollgate_csrf"
	}
	return "tollgate_csrf"
}

// Token returns the request's CSRF token, setting a new cookie when it
// has none.
func (f *Forms) Token(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(f.cookieName()); err == nil && len(c.Value) == 26 {
		return c.Value
	}
	v := rand.Text()
	http.SetCookie(w, &http.Cookie{Name: f.cookieName(), Value: v, Path: "/", HttpOnly: true,
		Secure: f.secure, SameSite: http.SameSiteLaxMode})
	return v
}

// Check refuses a POST that is not from our own page: another origin, or
// a missing or wrong CSRF token. The form must be parsed already.
func (f *Forms) Check(r *http.Request) bool {
	if f.crossOrigin.Check(r) != nil {
		return false
	}
	c, err := r.Cookie(f.cookieName())
	return err == nil && c.Value != "" && secret.Equal([]byte(c.Value), []byte(r.PostFormValue(CSRFField)))
}
