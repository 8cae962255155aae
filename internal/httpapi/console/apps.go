package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
)

// registerApps adds the admin pages of what tokens are made of and where
// they go: roles and scopes, applications, APIs behind the gateway, and
// the embed settings.
func (h *Handler) registerApps(m *route.Mux) {
	m.Tenant("GET /console/roles", h.rolesPage)
	m.Tenant("POST /console/scopes", h.createScope)
	// A scope may contain '/', so its id travels in the form, not the path.
	m.Tenant("POST /console/scopes/delete", h.deleteScope)
	m.Tenant("POST /console/roles", h.createRole)
	m.Tenant("POST /console/roles/{id}", h.updateRole)
	m.Tenant("POST /console/roles/{id}/delete", h.deleteRole)

	m.Tenant("GET /console/apps", h.appsPage)
	m.Tenant("GET /console/apps/new", h.newAppPage) // client ids are upper case: none is "new"
	m.Tenant("POST /console/apps", h.createApp)
	m.Tenant("GET /console/apps/{id}", h.appPage)
	m.Tenant("POST /console/apps/{id}", h.updateApp)
	m.Tenant("POST /console/apps/{id}/secret", h.rotateClientSecret)
	m.Tenant("POST /console/apps/{id}/delete", h.deleteApp)

	// An API's id is chosen by its admin, so the create form is on the
	// list page rather than at a path an id could take.
	m.Tenant("GET /console/apis", h.apisPage)
	m.Tenant("POST /console/apis", h.createAPI)
	m.Tenant("GET /console/apis/{id}", h.apiPage)
	m.Tenant("POST /console/apis/{id}", h.updateAPI)
	m.Tenant("POST /console/apis/{id}/delete", h.deleteAPI)

	m.Tenant("GET /console/embed", h.embedPage)
	m.Tenant("POST /console/embed", h.updateEmbed)
	m.Tenant("POST /console/embed/secret", h.regenerateEmbedSecret)
}

// areaURL is the console page path of the visit's tenant.
func areaURL(v *visit, path string) string { return route.Prefix(v.Tenant) + "/console" + path }

// failText is what a page says about a use case's error that belongs to
// no form field, with the status to answer.
func failText(h *Handler, r *http.Request, err error) (int, string) {
	f := newForm(nil)
	status := f.fail(h, r, err, "")
	for _, msg := range f.Errors {
		return status, msg // fail sets one error at most
	}
	return status, f.Error
}

const appsPageSize = 50

var appFlashes = map[string]string{
	"created": "Application created.",
	"updated": "Application saved.",
	"deleted": "Application deleted.",
}

type appsView struct {
	Apps  []domain.Application
	Query string
	Next  string
}

// appsPage lists the applications a page at a time, optionally those
// whose client id starts with q: one keyed range scan, however many
// applications the tenant has.
func (h *Handler) appsPage(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	// Client ids are generated in upper case; a search typed in lower
	// case means the same.
	prefix := strings.ToUpper(strings.TrimSpace(q.Get("q")))
	xs, next, err := h.Admin.ListApplications(r.Context(), v.P, v.Tenant,
		domain.Page{After: q.Get("after"), Limit: appsPageSize, Prefix: prefix})
	if err != nil {
		h.failPage(w, r, v, "Applications", "apps", err)
		return
	}
	view := appsView{Apps: xs, Query: prefix}
	if next != "" {
		view.Next = areaURL(v, "/apps?"+url.Values{"q": {prefix}, "after": {next}}.Encode())
	}
	h.render(w, r, v, http.StatusOK, "apps", &page{Title: "Applications", Section: "apps",
		Flash: doneFlash(r, appFlashes), Data: view})
}

// appView is an application's page; App is nil on the new-application
// form. Secret is set only in the answer to a create or a rotation.
type appView struct {
	App       *domain.Application
	HasSecret bool
	Secret    *shown
	Rotated   bool
	Grants    []string
	// Problem is why a rotation or deletion failed.
	Problem string
}

func (h *Handler) newAppPage(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	f := newForm(newAppValues())
	h.render(w, r, v, http.StatusOK, "app", &page{Title: "New application", Section: "apps", Form: f,
		Data: appView{Grants: grantChoices(f)}})
}

// createApp answers with the new application's page, which shows a
// confidential client's secret this once (never a redirect with it).
func (h *Handler) createApp(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	patch, err := appPatch(f)
	var a *domain.Application
	var secret string
	if err == nil {
		a, secret, err = h.Admin.CreateApplication(r.Context(), v.P, v.Tenant, patch)
	}
	if err != nil {
		status := f.fail(h, r, err, "")
		h.render(w, r, v, status, "app", &page{Title: "New application", Section: "apps", Form: f,
			Data: appView{Grants: grantChoices(f)}})
		return
	}
	if secret == "" {
		seeOther(w, r, areaURL(v, "/apps/"+a.ID+"?done=created"))
		return
	}
	h.renderApp(w, r, v, http.StatusCreated, a, appFlashes["created"], appView{Secret: &shown{ID: "client", Value: secret}})
}

// renderApp shows application a with its edit form filled from it.
func (h *Handler) renderApp(w http.ResponseWriter, r *http.Request, v *visit, status int, a *domain.Application, flash string, view appView) {
	f := newForm(appValues(a))
	view.App, view.HasSecret, view.Grants = a, len(a.SecretHash) > 0, grantChoices(f)
	h.render(w, r, v, status, "app", &page{Title: a.Name, Section: "apps", Flash: flash, Form: f, Data: view})
}

func (h *Handler) appPage(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	a, err := h.Admin.GetApplication(r.Context(), v.P, v.Tenant, r.PathValue("id"))
	if err != nil {
		h.failPage(w, r, v, "Applications", "apps", err)
		return
	}
	h.renderApp(w, r, v, http.StatusOK, a, doneFlash(r, appFlashes), appView{})
}

func (h *Handler) updateApp(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	id := r.PathValue("id")
	f := newForm(r.PostForm)
	patch, err := appPatch(f)
	if err == nil {
		_, err = h.Admin.UpdateApplication(r.Context(), v.P, v.Tenant, id, patch)
	}
	if err == nil {
		seeOther(w, r, areaURL(v, "/apps/"+id+"?done=updated"))
		return
	}
	status := f.fail(h, r, err, "")
	a, gerr := h.Admin.GetApplication(r.Context(), v.P, v.Tenant, id)
	if gerr != nil {
		h.failPage(w, r, v, "Application", "apps", gerr)
		return
	}
	// The form shows what was sent, with the errors, over the stored
	// application's header.
	h.render(w, r, v, status, "app", &page{Title: a.Name, Section: "apps", Form: f,
		Data: appView{App: a, HasSecret: len(a.SecretHash) > 0, Grants: grantChoices(f)}})
}

// rotateClientSecret answers with the new secret. Sent twice, the second
// rotation replaces the first (one store write each), and each answer
// shows only the secret it made.
func (h *Handler) rotateClientSecret(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	a, secret, err := h.Admin.RotateApplicationSecret(r.Context(), v.P, v.Tenant, r.PathValue("id"))
	if err != nil {
		h.appProblem(w, r, v, err)
		return
	}
	h.renderApp(w, r, v, http.StatusOK, a, "", appView{Secret: &shown{ID: "client", Value: secret}, Rotated: true})
}

func (h *Handler) deleteApp(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	if err := h.Admin.DeleteApplication(r.Context(), v.P, v.Tenant, r.PathValue("id")); err != nil {
		h.appProblem(w, r, v, err)
		return
	}
	seeOther(w, r, areaURL(v, "/apps?done=deleted"))
}

// appProblem shows the application's page with why an action failed.
func (h *Handler) appProblem(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	status, msg := failText(h, r, err)
	a, gerr := h.Admin.GetApplication(r.Context(), v.P, v.Tenant, r.PathValue("id"))
	if gerr != nil {
		h.failPage(w, r, v, "Application", "apps", gerr)
		return
	}
	h.renderApp(w, r, v, status, a, "", appView{Problem: msg})
}
