package console

import (
	"fmt"
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// keysData is the signing keys page's content.
type keysData struct {
	Keys []keyRow
	// Algorithms are the choices of a rotation; Active is the active
	// access-token key's, the form's default.
	Algorithms []string
	Active     string
	JWKS       string // the tenant's published key set
	Rotation   string // the automatic rotation period, "" when off
}

// keyRow is a published key as the page shows it.
type keyRow struct {
	ID, Algorithm, Use string
	Created            time.Time
	// State is "active", "scheduled" (published ahead of signing from
	// Created) or "retiring" (published until Until); an active key has
	// Until when its successor is scheduled.
	State string
	Until *time.Time
}

var keysFlash = map[string]string{"rotated": "A new signing key is active. Tokens signed with the previous key stay valid while it is published."}

// keys serves GET /console/keys: the tenant's published signing keys.
func (h *Handler) keys(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	h.showKeys(w, r, v, http.StatusOK, newForm(nil), doneFlash(r, keysFlash))
}

func (h *Handler) showKeys(w http.ResponseWriter, r *http.Request, v *visit, status int, f *form, flash string) {
	keys, err := h.Admin.SigningKeys(r.Context(), v.P, v.Tenant)
	if err != nil {
		h.opsError(w, r, v, "Signing keys", err)
		return
	}
	d := keysData{Algorithms: token.SupportedAlgorithms(), JWKS: route.Prefix(v.Tenant) + "/oauth2/jwks", Rotation: period(h.KeyRotation)}
	now := time.Now()
	for _, k := range keys {
		row := keyRow{ID: k.ID, Algorithm: k.Algorithm, Use: "access and ID tokens", Created: k.CreatedAt, State: "retiring", Until: k.PublishUntil}
		if k.Use == domain.KeyUseIDToken {
			row.Use = "ID tokens (RS256)"
		}
		switch {
		case k.Pending(now) && k.RetiredAt == nil:
			row.State, row.Until = "scheduled", nil
		case k.Signs(now):
			row.State, row.Until = "active", k.RetiredAt
			if k.Use == domain.KeyUseTokens && d.Active == "" {
				d.Active = k.Algorithm
			}
		}
		d.Keys = append(d.Keys, row)
	}
	if f.Get("alg") == "" {
		f.Values.Set("alg", d.Active)
	}
	h.render(w, r, v, status, "keys", &page{Title: "Signing keys", Section: "keys", Form: f, Data: &d, Flash: flash})
}

// rotateKey serves POST /console/keys/rotate: a new active key of the
// chosen algorithm; the old one stays published until the tokens it
// signed have expired.
func (h *Handler) rotateKey(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	if err := h.Admin.RotateSigningKey(r.Context(), v.P, v.Tenant, f.Get("alg")); err != nil {
		status := f.fail(h, r, err, "")
		h.showKeys(w, r, v, status, f, "")
		return
	}
	seeOther(w, r, route.Prefix(v.Tenant)+"/console/keys?done=rotated")
}

// period writes a rotation period in days when it is whole days.
func period(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}
