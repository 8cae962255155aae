package console

import (
	"net/http"
	"net/url"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
)

// expiryChoices are the form's expiries: a fixed span from now, a date,
// or none; the tenant's cap (apiTokenMaxTtl) is the use case's to check.
var expiryChoices = []struct{ Value, Label string }{
	{"7d", "7 days"}, {"30d", "30 days"}, {"90d", "90 days"}, {"1y", "1 year"}, {"date", "On a date…"}, {"never", "Never"},
}

var expirySpans = map[string]time.Duration{"7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour,
	"90d": 90 * 24 * time.Hour, "1y": 365 * 24 * time.Hour}

// myTokensData is the page of the user's API tokens. Token is set only
// in the answer that created it.
type myTokensData struct {
	Tokens  []domain.APIToken
	Scopes  []string
	Expiry  []struct{ Value, Label string }
	Next    string
	Created *shown
}

// myTokens serves GET /console/my/tokens.
func (h *Handler) myTokens(w http.ResponseWriter, r *http.Request) {
	if v, ok := h.userVisit(w, r); ok {
		f := newForm(url.Values{"expiresAt": {"30d"}})
		h.showMyTokens(w, r, v, http.StatusOK, f, &myTokensData{})
	}
}

func (h *Handler) showMyTokens(w http.ResponseWriter, r *http.Request, v *visit, status int, f *form, d *myTokensData) {
	ts, next, err := h.Admin.ListAPITokens(r.Context(), v.P, v.Tenant, v.P.Subject, domain.Page{After: r.URL.Query().Get("after")})
	if err != nil {
		h.failPage(w, r, v, "My API tokens", "my-tokens", err)
		return
	}
	d.Tokens, d.Scopes, d.Expiry = ts, grantable(v), expiryChoices
	if next != "" {
		d.Next = portalPath(v, "tokens", "") + "?after=" + url.QueryEscape(next)
	}
	h.render(w, r, v, status, "my-tokens", &page{Title: "My API tokens", Section: "my-tokens", Form: f,
		Flash: flashOf(r), Data: d})
}

// createToken serves POST /console/my/tokens: the token is in this
// answer only, with a call that uses it.
func (h *Handler) createToken(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.userVisit)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	expires, ok := expiryOf(f, time.Now())
	if !ok {
		h.showMyTokens(w, r, v, http.StatusUnprocessableEntity, f, &myTokensData{})
		return
	}
	// No scope ticked is a token of no scope (it still reads its user),
	// never "all of mine": the user widens it only by asking.
	scopes := append([]string{}, r.PostForm["scopes"]...)
	t, raw, err := h.Admin.CreateAPIToken(r.Context(), v.P, v.Tenant, v.P.Subject, admin.APITokenSpec{
		ID: f.Get("id"), Description: f.Get("description"), Scopes: scopes, ExpiresAt: expires})
	if err != nil {
		h.showMyTokens(w, r, v, f.fail(h, r, err, "id"), f, &myTokensData{})
		return
	}
	h.showMyTokens(w, r, v, http.StatusCreated, newForm(url.Values{"expiresAt": {"30d"}}), &myTokensData{
		Created: &shown{ID: "api-token-" + t.ID, Value: raw,
			CallURL: h.OAuth.Issuer(v.Tenant) + "/api/v1/entities/users/" + url.PathEscape(t.UserID)},
	})
}

// expiryOf reads the form's expiry: nil for never; ok is false, with an
// error on the form, when it names no expiry or a bad date.
func expiryOf(f *form, now time.Time) (*time.Time, bool) {
	choice := f.Get("expiresAt")
	if span, ok := expirySpans[choice]; ok {
		at := now.Add(span)
		return &at, true
	}
	switch choice {
	case "never":
		return nil, true
	case "date":
		d, err := time.Parse(time.DateOnly, f.Get("expiresAtDate"))
		if err != nil {
			f.Errors["expiresAtDate"] = "enter a date"
			return nil, false
		}
		// The token works through the whole day named, in UTC.
		at := d.Add(24*time.Hour - time.Second)
		return &at, true
	}
	f.Errors["expiresAt"] = "choose when the token expires"
	return nil, false
}
