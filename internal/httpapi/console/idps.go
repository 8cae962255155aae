package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
)

// idpsData is the identity providers list's content.
type idpsData struct {
	Providers []domain.IdentityProvider
	Next      string
}

// idpData is the content of a provider's form: New for the add form;
// SecretSet tells whether a client secret is stored (never what it is).
type idpData struct {
	ID         string
	New        bool
	SecretSet  bool
	SecretHelp string
}

var idpFlash = map[string]string{
	"created":  "The identity provider was added.",
	"updated":  "The identity provider was saved.",
	"enabled":  "The identity provider is enabled: its button shows on the sign-in page.",
	"disabled": "The identity provider is disabled: nobody can sign in through it until it is enabled again.",
	"deleted":  "The identity provider was deleted; its users stay, unable to sign in through it.",
}

func idpsURL(tenant string) string { return route.Prefix(tenant) + "/console/idps" }

// idps serves GET /console/idps: the tenant's providers, paged by id.
func (h *Handler) idps(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	xs, next, err := h.Admin.ListIdentityProviders(r.Context(), v.P, v.Tenant, domain.Page{After: r.URL.Query().Get("after")})
	if err != nil {
		h.opsError(w, r, v, "Identity providers", err)
		return
	}
	h.render(w, r, v, http.StatusOK, "idps", &page{Title: "Identity providers", Section: "idps",
		Data: &idpsData{Providers: xs, Next: withQuery(r, "after", next)}, Flash: doneFlash(r, idpFlash)})
}

// newIdP serves GET /console/idps/new, the add form with the defaults.
func (h *Handler) newIdP(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	f := newForm(url.Values{"scopes": {strings.Join(domain.DefaultIdentityProviderScopes, " ")},
		"usernameClaim": {domain.ClaimEmail}, "enabled": {"true"}})
	h.showIdP(w, r, v, http.StatusOK, f, &idpData{New: true}, "")
}

func (h *Handler) showIdP(w http.ResponseWriter, r *http.Request, v *visit, status int, f *form, d *idpData, flash string) {
	title := "Add an identity provider"
	d.SecretHelp = "Optional. Stored encrypted and never shown again."
	if !d.New {
		title = "Identity provider " + d.ID
		d.SecretHelp = "None is stored. Optional."
		if d.SecretSet {
			d.SecretHelp = "A secret is stored; it is never shown. Leave this empty to keep it, or type a new one."
		}
	}
	h.render(w, r, v, status, "idp", &page{Title: title, Section: "idps", Form: f, Data: d, Flash: flash})
}

// idpPatch reads the provider form. The client secret is write-only: an
// empty field keeps the stored one. Checkboxes send nothing when off.
func idpPatch(f *form) admin.IdentityProviderPatch {
	field := func(name string) *string { s := strings.TrimSpace(f.Get(name)); return &s }
	list := func(name string) *[]string { l := strings.Fields(f.Get(name)); return &l }
	check := func(name string) *bool { b := f.Get(name) == "true"; return &b }
	p := admin.IdentityProviderPatch{DisplayName: field("displayName"), Issuer: field("issuer"),
		ClientID: field("clientId"), Scopes: list("scopes"), UsernameClaim: field("usernameClaim"),
		CreateUsers: check("createUsers"), DefaultRoles: list("defaultRoles"), Enabled: check("enabled")}
	if s := f.Get("clientSecret"); s != "" {
		p.ClientSecret = &s
	}
	return p
}

// createIdP serves POST /console/idps: add a provider, discovered first.
func (h *Handler) createIdP(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	id := strings.TrimSpace(f.Get("id"))
	if _, err := h.Admin.CreateIdentityProvider(r.Context(), v.P, v.Tenant, id, idpPatch(f)); err != nil {
		status := f.fail(h, r, err, "id")
		h.showIdP(w, r, v, status, f, &idpData{New: true}, "")
		return
	}
	seeOther(w, r, idpsURL(v.Tenant)+"/"+url.PathEscape(id)+"?done=created")
}

// idp serves GET /console/idps/{id}: the provider's edit form.
func (h *Handler) idp(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	x, err := h.Admin.GetIdentityProvider(r.Context(), v.P, v.Tenant, r.PathValue("id"))
	if err != nil {
		h.opsError(w, r, v, "Identity provider", err)
		return
	}
	f := newForm(url.Values{"displayName": {x.DisplayName}, "issuer": {x.Issuer}, "clientId": {x.ClientID},
		"scopes": {strings.Join(x.Scopes, " ")}, "usernameClaim": {x.UsernameClaim},
		"defaultRoles": {strings.Join(x.DefaultRoles, " ")}})
	if x.CreateUsers {
		f.Values.Set("createUsers", "true")
	}
	if x.Enabled {
		f.Values.Set("enabled", "true")
	}
	h.showIdP(w, r, v, http.StatusOK, f, &idpData{ID: x.ID, SecretSet: len(x.SealedSecret) > 0}, doneFlash(r, idpFlash))
}

// updateIdP serves POST /console/idps/{id}: save the edit form. The
// issuer is sent only when it changed, so saving other fields neither
// discovers it again nor changes who approved its address.
func (h *Handler) updateIdP(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	id := r.PathValue("id")
	x, err := h.Admin.GetIdentityProvider(r.Context(), v.P, v.Tenant, id)
	if err != nil {
		h.opsError(w, r, v, "Identity provider", err)
		return
	}
	f := newForm(r.PostForm)
	patch := idpPatch(f)
	if *patch.Issuer == x.Issuer {
		patch.Issuer = nil
	}
	if _, err := h.Admin.UpdateIdentityProvider(r.Context(), v.P, v.Tenant, id, patch); err != nil {
		status := f.fail(h, r, err, "")
		h.showIdP(w, r, v, status, f, &idpData{ID: id, SecretSet: len(x.SealedSecret) > 0}, "")
		return
	}
	seeOther(w, r, idpsURL(v.Tenant)+"/"+url.PathEscape(id)+"?done=updated")
}

// enableIdP serves POST /console/idps/{id}/enabled with enabled=true or
// false: the list's one-click switch.
func (h *Handler) enableIdP(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	on := r.PostForm.Get("enabled") == "true"
	if _, err := h.Admin.UpdateIdentityProvider(r.Context(), v.P, v.Tenant, r.PathValue("id"),
		admin.IdentityProviderPatch{Enabled: &on}); err != nil {
		h.opsError(w, r, v, "Identity provider", err)
		return
	}
	done := "disabled"
	if on {
		done = "enabled"
	}
	seeOther(w, r, idpsURL(v.Tenant)+"?done="+done)
}

// deleteIdP serves POST /console/idps/{id}/delete.
func (h *Handler) deleteIdP(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	if err := h.Admin.DeleteIdentityProvider(r.Context(), v.P, v.Tenant, r.PathValue("id")); err != nil {
		h.opsError(w, r, v, "Identity provider", err)
		return
	}
	seeOther(w, r, idpsURL(v.Tenant)+"?done=deleted")
}
