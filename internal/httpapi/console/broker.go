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

// brokersData is the broker providers list's content.
type brokersData struct {
	Providers []domain.BrokerProvider
	Next      string
}

// brokerData is the content of a provider's form: New for the add form;
// the Set fields tell whether a secret is stored (never what it is).
type brokerData struct {
	ID                       string
	New                      bool
	SecretSet, PasswordSet   bool
	SecretHelp, PasswordHelp string
}

var brokerFlash = map[string]string{
	"created": "The broker provider was added.",
	"updated": "The broker provider was saved; its cached token is dropped and fetched again on the next request.",
	"deleted": "The broker provider was deleted, with its cached token.",
}

func brokersURL(tenant string) string { return route.Prefix(tenant) + "/console/broker" }

// brokers serves GET /console/broker: the tenant's providers, paged by id.
func (h *Handler) brokers(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	xs, next, err := h.Admin.ListBrokerProviders(r.Context(), v.P, v.Tenant, domain.Page{After: r.URL.Query().Get("after")})
	if err != nil {
		h.opsError(w, r, v, "Token broker", err)
		return
	}
	h.render(w, r, v, http.StatusOK, "brokers", &page{Title: "Token broker", Section: "broker",
		Data: &brokersData{Providers: xs, Next: withQuery(r, "after", next)}, Flash: doneFlash(r, brokerFlash)})
}

// newBroker serves GET /console/broker/new, the add form with the defaults.
func (h *Handler) newBroker(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	f := newForm(url.Values{"grantType": {domain.BrokerGrantClientCredentials},
		"tokenUrl":             {"https://login.microsoftonline.com/" + domain.BrokerTenantPlaceholder + "/oauth2/token"},
		"refreshBeforeSeconds": {strconv.Itoa(int(domain.DefaultBrokerRefreshBefore / time.Second))}})
	h.showBroker(w, r, v, http.StatusOK, f, &brokerData{New: true}, "")
}

func (h *Handler) showBroker(w http.ResponseWriter, r *http.Request, v *visit, status int, f *form, d *brokerData, flash string) {
	title := "Add a broker provider"
	d.SecretHelp, d.PasswordHelp = "Required. Stored encrypted and never shown again.", "For the password grant only. Stored encrypted and never shown again."
	if !d.New {
		title = "Broker provider " + d.ID
		d.SecretHelp, d.PasswordHelp = storedHelp(d.SecretSet), storedHelp(d.PasswordSet)
	}
	h.render(w, r, v, status, "broker", &page{Title: title, Section: "broker", Form: f, Data: d, Flash: flash})
}

// storedHelp explains a write-only field of the edit form.
func storedHelp(set bool) string {
	if set {
		return "One is stored; it is never shown. Leave this empty to keep it, or type a new one."
	}
	return "None is stored."
}

// brokerPatch reads the provider form. Secrets are write-only: an empty
// field keeps the stored one. The checkbox sends nothing when off.
func brokerPatch(f *form) (admin.BrokerProviderPatch, error) {
	field := func(name string) *string { s := strings.TrimSpace(f.Get(name)); return &s }
	list := func(name string) *[]string { l := strings.Fields(f.Get(name)); return &l }
	isDefault := f.Get("default") == "true"
	p := admin.BrokerProviderPatch{TokenURL: field("tokenUrl"), UpstreamTenant: field("upstreamTenant"),
		GrantType: field("grantType"), ClientID: field("clientId"), Username: field("username"),
		Resource: field("resource"), Scopes: list("scopes"), AllowedRoles: list("allowedRoles"), Default: &isDefault}
	for name, to := range map[string]**string{"clientSecret": &p.ClientSecret, "password": &p.Password} {
		if s := f.Get(name); s != "" {
			*to = &s
		}
	}
	n, err := strconv.Atoi(strings.TrimSpace(f.Get("refreshBeforeSeconds")))
	if err != nil {
		return p, domain.Invalid("refreshBeforeSeconds", "must be a whole number of seconds")
	}
	p.RefreshBeforeSeconds = &n
	return p, nil
}

// createBroker serves POST /console/broker: add a provider.
func (h *Handler) createBroker(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	id := strings.TrimSpace(f.Get("id"))
	patch, err := brokerPatch(f)
	if err == nil {
		_, err = h.Admin.CreateBrokerProvider(r.Context(), v.P, v.Tenant, id, patch)
	}
	if err != nil {
		h.showBroker(w, r, v, f.fail(h, r, err, "id"), f, &brokerData{New: true}, "")
		return
	}
	seeOther(w, r, brokersURL(v.Tenant)+"/"+url.PathEscape(id)+"?done=created")
}

// broker serves GET /console/broker/{id}: the provider's edit form.
func (h *Handler) broker(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	x, err := h.Admin.GetBrokerProvider(r.Context(), v.P, v.Tenant, r.PathValue("id"))
	if err != nil {
		h.opsError(w, r, v, "Broker provider", err)
		return
	}
	f := newForm(url.Values{"tokenUrl": {x.TokenURL}, "upstreamTenant": {x.UpstreamTenant}, "grantType": {x.GrantType},
		"clientId": {x.ClientID}, "username": {x.Username}, "resource": {x.Resource},
		"scopes": {strings.Join(x.Scopes, " ")}, "allowedRoles": {strings.Join(x.AllowedRoles, " ")},
		"refreshBeforeSeconds": {strconv.Itoa(int(x.RefreshBefore / time.Second))}})
	if x.Default {
		f.Values.Set("default", "true")
	}
	h.showBroker(w, r, v, http.StatusOK, f, brokerDataOf(x), doneFlash(r, brokerFlash))
}

func brokerDataOf(x *domain.BrokerProvider) *brokerData {
	return &brokerData{ID: x.ID, SecretSet: len(x.SealedClientSecret) > 0, PasswordSet: len(x.SealedPassword) > 0}
}

// updateBroker serves POST /console/broker/{id}: save the edit form. The
// token URL and upstream tenant are sent only when they changed, so
// saving other fields keeps who approved the address.
func (h *Handler) updateBroker(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	id := r.PathValue("id")
	x, err := h.Admin.GetBrokerProvider(r.Context(), v.P, v.Tenant, id)
	if err != nil {
		h.opsError(w, r, v, "Broker provider", err)
		return
	}
	f := newForm(r.PostForm)
	patch, err := brokerPatch(f)
	if err == nil {
		if *patch.TokenURL == x.TokenURL && *patch.UpstreamTenant == x.UpstreamTenant {
			patch.TokenURL, patch.UpstreamTenant = nil, nil
		}
		_, err = h.Admin.UpdateBrokerProvider(r.Context(), v.P, v.Tenant, id, patch)
	}
	if err != nil {
		h.showBroker(w, r, v, f.fail(h, r, err, ""), f, brokerDataOf(x), "")
		return
	}
	seeOther(w, r, brokersURL(v.Tenant)+"/"+url.PathEscape(id)+"?done=updated")
}

// deleteBroker serves POST /console/broker/{id}/delete.
func (h *Handler) deleteBroker(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	if err := h.Admin.DeleteBrokerProvider(r.Context(), v.P, v.Tenant, r.PathValue("id")); err != nil {
		h.opsError(w, r, v, "Broker provider", err)
		return
	}
	seeOther(w, r, brokersURL(v.Tenant)+"?done=deleted")
}
