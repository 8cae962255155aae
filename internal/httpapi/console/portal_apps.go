package console

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
)

// myAppsData is the page of the user's applications.
type myAppsData struct {
	Apps []domain.Application
	// Scopes the user may give a new application.
	Scopes []string
}

// myApps serves GET /console/my/apps.
func (h *Handler) myApps(w http.ResponseWriter, r *http.Request) {
	if v, ok := h.userVisit(w, r); ok {
		h.showMyApps(w, r, v, http.StatusOK, newForm(nil))
	}
}

func (h *Handler) showMyApps(w http.ResponseWriter, r *http.Request, v *visit, status int, f *form) {
	apps, err := h.Admin.ListOwnApplications(r.Context(), v.P, v.Tenant)
	if err != nil {
		h.failPage(w, r, v, "My applications", "my-apps", err)
		return
	}
	h.render(w, r, v, status, "my-apps", &page{Title: "My applications", Section: "my-apps", Form: f,
		Flash: flashOf(r), Data: myAppsData{Apps: apps, Scopes: grantable(v)}})
}

// registerApp serves POST /console/my/apps: the application is the
// user's, third party and confidential (admin.RegisterApplication).
func (h *Handler) registerApp(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.userVisit)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	a, err := h.Admin.RegisterApplication(r.Context(), v.P, v.Tenant, admin.OwnApplicationSpec{
		Name: f.Get("name"), Scopes: r.PostForm["scopes"], RedirectURIs: lines(f.Get("redirectUris"))})
	if err != nil {
		h.showMyApps(w, r, v, f.fail(h, r, err, "name"), f)
		return
	}
	seeOther(w, r, portalPath(v, "apps/"+a.ID, "registered"))
}

// myAppData is the page of one application. Secret and Issued are set
// only in the answer of the POST that made them.
type myAppData struct {
	App       *domain.Application
	HasSecret bool
	// Scopes the user may ask a token of the application for.
	Scopes []string
	// MaxMinutes is the application's access-token lifetime.
	MaxMinutes int64
	Secret     *shown
	Issued     *issued
}

// myApp serves GET /console/my/apps/{id}.
func (h *Handler) myApp(w http.ResponseWriter, r *http.Request) {
	if v, ok := h.userVisit(w, r); ok {
		h.showMyApp(w, r, v, http.StatusOK, newForm(nil), nil)
	}
}

// showMyApp renders application {id} of the request; d, when set, adds
// what the POST being answered made.
func (h *Handler) showMyApp(w http.ResponseWriter, r *http.Request, v *visit, status int, f *form, d *myAppData) {
	a, err := h.Admin.GetOwnApplication(r.Context(), v.P, v.Tenant, r.PathValue("id"))
	if err != nil {
		h.failPage(w, r, v, "Application", "my-apps", err)
		return
	}
	if d == nil {
		d = &myAppData{}
	}
	d.App, d.HasSecret = a, len(a.SecretHash) > 0
	d.MaxMinutes = int64(a.AccessTokenTTL / time.Minute)
	d.Scopes = slices.DeleteFunc(slices.Clone(a.Scopes), func(s string) bool { return !slices.Contains(grantable(v), s) })
	if !f.Failed() && f.Get("validity") == "" {
		f.Values.Set("validity", strconv.FormatInt(min(60, d.MaxMinutes), 10))
	}
	h.render(w, r, v, status, "my-app", &page{Title: a.Name, Section: "my-apps", Form: f, Flash: flashOf(r), Data: d})
}

// rotateAppSecret serves POST /console/my/apps/{id}/secret: the new
// secret is in this answer only; the old one stops working at once.
func (h *Handler) rotateAppSecret(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.userVisit)
	if !ok {
		return
	}
	_, secret, err := h.Admin.RotateOwnApplicationSecret(r.Context(), v.P, v.Tenant, r.PathValue("id"))
	if err != nil {
		h.failPage(w, r, v, "Application", "my-apps", err)
		return
	}
	h.showMyApp(w, r, v, http.StatusOK, newForm(nil), &myAppData{Secret: &shown{ID: "client-secret", Value: secret}})
}
