package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
)

// tenantsPageSize bounds a page of the tenant search: the switcher must
// stay quick with thousands of tenants, so it never lists them all.
const tenantsPageSize = 50

// tenantsData is the tenant search's content; Console links a tenant id
// to its console.
type tenantsData struct {
	Query   string
	Tenants []tenantLink
	Next    string
}

type tenantLink struct {
	domain.Tenant
	Console string
}

// tenantData is the content of one tenant's page.
type tenantData struct {
	Tenant  *domain.Tenant
	Console string
}

var tenantFlash = map[string]string{
	"created": "The tenant was created, with its admin role and scope.",
	"updated": "The tenant was saved.",
	"deleted": "The tenant and all its data were deleted.",
}

func tenantsURL(tenant string) string { return route.Prefix(tenant) + "/console/tenants" }

// bootstrapVisit is adminVisit for the tenant pages: tenants are managed
// with the bootstrap token only, so a tenant's own admins get a 403.
func (h *Handler) bootstrapVisit(w http.ResponseWriter, r *http.Request) (*visit, bool) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return nil, false
	}
	if !v.P.Bootstrap {
		h.render(w, r, v, http.StatusForbidden, "message", &page{Title: "Not allowed",
			Message: "Tenants are managed by the server's operator, in a first-time setup session opened with the bootstrap token."})
		return nil, false
	}
	return v, true
}

// tenants serves GET /console/tenants?q=prefix: the tenants whose id
// starts with q (all when empty), a page at a time, and the create form.
func (h *Handler) tenants(w http.ResponseWriter, r *http.Request) {
	v, ok := h.bootstrapVisit(w, r)
	if !ok {
		return
	}
	h.showTenants(w, r, v, http.StatusOK, newForm(nil))
}

func (h *Handler) showTenants(w http.ResponseWriter, r *http.Request, v *visit, status int, f *form) {
	q := r.URL.Query()
	d := tenantsData{Query: strings.TrimSpace(q.Get("q"))}
	ts, next, err := h.Admin.ListTenants(r.Context(), v.P, domain.Page{Prefix: d.Query, After: q.Get("after"), Limit: tenantsPageSize})
	if err != nil {
		h.opsError(w, r, v, "Tenants", err)
		return
	}
	for _, t := range ts {
		d.Tenants = append(d.Tenants, tenantLink{Tenant: t, Console: route.Prefix(t.ID) + "/console/"})
	}
	d.Next = withQuery(r, "after", next)
	h.render(w, r, v, status, "tenants", &page{Title: "Tenants", Section: "tenants", Form: f, Data: &d,
		Flash: doneFlash(r, tenantFlash)})
}

// createTenant serves POST /console/tenants.
func (h *Handler) createTenant(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.bootstrapVisit)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	t := &domain.Tenant{ID: strings.TrimSpace(f.Get("id")), Name: strings.TrimSpace(f.Get("name"))}
	if err := h.Admin.CreateTenant(r.Context(), v.P, t); err != nil {
		status := f.fail(h, r, err, "id")
		h.showTenants(w, r, v, status, f)
		return
	}
	seeOther(w, r, tenantsURL(v.Tenant)+"/"+url.PathEscape(t.ID)+"?done=created")
}

// tenant serves GET /console/tenants/{id}: rename, cap, delete.
func (h *Handler) tenant(w http.ResponseWriter, r *http.Request) {
	v, ok := h.bootstrapVisit(w, r)
	if !ok {
		return
	}
	h.showTenant(w, r, v, http.StatusOK, nil, doneFlash(r, tenantFlash))
}

// showTenant renders tenant {id}'s page with f, the form sent (nil: the
// stored values).
func (h *Handler) showTenant(w http.ResponseWriter, r *http.Request, v *visit, status int, f *form, flash string) {
	t, err := h.Admin.GetTenant(r.Context(), v.P, r.PathValue("id"))
	if err != nil {
		h.opsError(w, r, v, "Tenant", err)
		return
	}
	if f == nil {
		f = newForm(nil)
	}
	// A refused deletion shows the settings form as stored.
	if !f.Values.Has("name") {
		f.Values.Set("name", t.Name)
		f.Values.Set("apiTokenMaxTtl", strconv.FormatInt(int64(t.APITokenMaxTTL/time.Second), 10))
	}
	h.render(w, r, v, status, "tenant", &page{Title: "Tenant " + t.ID, Section: "tenants", Form: f,
		Data: &tenantData{Tenant: t, Console: route.Prefix(t.ID) + "/console/"}, Flash: flash})
}

// updateTenant serves POST /console/tenants/{id}: its name and the cap on
// the lifetime of new API tokens (apiTokenMaxTtl, seconds, 0: none).
func (h *Handler) updateTenant(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.bootstrapVisit)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	id := r.PathValue("id")
	name := strings.TrimSpace(f.Get("name"))
	secs, err := strconv.ParseInt(strings.TrimSpace(f.Get("apiTokenMaxTtl")), 10, 64)
	if err != nil || secs < 0 || secs > int64(domain.MaxAPITokenMaxTTL/time.Second) {
		err = domain.InvalidAPITokenMaxTTL()
	} else {
		ttl := time.Duration(secs) * time.Second
		_, err = h.Admin.UpdateTenant(r.Context(), v.P, id, admin.TenantPatch{Name: &name, APITokenMaxTTL: &ttl})
	}
	if err != nil {
		status := f.fail(h, r, err, "")
		h.showTenant(w, r, v, status, f, "")
		return
	}
	seeOther(w, r, tenantsURL(v.Tenant)+"/"+url.PathEscape(id)+"?done=updated")
}

// deleteTenant serves POST /console/tenants/{id}/delete. It deletes all
// the tenant's data, so the form asks for the tenant's id typed out
// (confirm), not just a click.
func (h *Handler) deleteTenant(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.bootstrapVisit)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	id := r.PathValue("id")
	err := domain.Invalid("confirm", "type the tenant's id, %s, to delete it", id)
	if strings.TrimSpace(f.Get("confirm")) == id {
		err = h.Admin.DeleteTenant(r.Context(), v.P, id)
	}
	if err != nil {
		status := f.fail(h, r, err, "")
		h.showTenant(w, r, v, status, f, "")
		return
	}
	// The default tenant's list: the page's own tenant may be the one
	// just deleted.
	seeOther(w, r, tenantsURL(domain.DefaultTenant)+"?done=deleted")
}
