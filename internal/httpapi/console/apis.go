package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway"
)

var apiFlashes = map[string]string{
	"created": "API created: the gateway routes it now.",
	"updated": "API saved: the gateway routes the new definition now.",
	"deleted": "API deleted: the gateway answers 404 for it now.",
}

// parseResources reads the resources field: one resource a line, as the
// CLI's --resource takes it, "METHOD PATH [SCOPE…]" or "METHOD PATH
// public". Validation of methods, paths and scopes is the use case's.
func parseResources(text string) ([]domain.APIResource, error) {
	rs := []domain.APIResource{}
	for i, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
			continue
		case len(f) == 1:
			return nil, domain.Invalid("resources", "line %d: want METHOD PATH [SCOPE…] or METHOD PATH public", i+1)
		}
		r := domain.APIResource{Method: strings.ToUpper(f[0]), Path: f[1], Scopes: f[2:]}
		if len(f) == 3 && f[2] == "public" {
			r.Public, r.Scopes = true, []string{}
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// resourcesText writes resources back in the form parseResources reads.
func resourcesText(rs []domain.APIResource) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Method + " " + r.Path)
		if r.Public {
			b.WriteString(" public")
		}
		for _, s := range r.Scopes {
			b.WriteString(" " + s)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func apiValues(a *domain.API) url.Values {
	return url.Values{"context": {a.Context}, "upstream": {a.Upstream}, "resources": {resourcesText(a.Resources)}}
}

// failAPI records err on f. A context that clashes with another API's is
// a conflict of the context field, not of the id.
func failAPI(h *Handler, r *http.Request, f *form, err error) int {
	msg, conflict := strings.CutSuffix(err.Error(), ": "+domain.ErrConflict.Error())
	if conflict && errors.Is(err, domain.ErrConflict) && strings.HasPrefix(msg, "context ") {
		f.Errors["context"] = msg + "."
		return http.StatusConflict
	}
	return f.fail(h, r, err, "id")
}

type apisView struct {
	APIs []domain.API
	Next string
}

func (h *Handler) apisPage(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	h.renderAPIs(w, r, v, http.StatusOK, doneFlash(r, apiFlashes), nil)
}

// renderAPIs shows a page of the tenant's APIs and the create form f.
func (h *Handler) renderAPIs(w http.ResponseWriter, r *http.Request, v *visit, status int, flash string, f *form) {
	xs, next, err := h.Admin.ListAPIs(r.Context(), v.P, v.Tenant, domain.Page{After: r.URL.Query().Get("after")})
	if err != nil {
		h.failPage(w, r, v, "APIs", "apis", err)
		return
	}
	view := apisView{APIs: xs}
	if next != "" {
		view.Next = areaURL(v, "/apis?"+url.Values{"after": {next}}.Encode())
	}
	h.render(w, r, v, status, "apis", &page{Title: "APIs", Section: "apis", Flash: flash, Form: f, Data: view})
}

func (h *Handler) createAPI(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	a := &domain.API{ID: strings.TrimSpace(f.Get("id")), Context: strings.TrimSpace(f.Get("context")),
		Upstream: strings.TrimSpace(f.Get("upstream"))}
	var err error
	if a.Resources, err = parseResources(f.Get("resources")); err == nil {
		err = h.Admin.CreateAPI(r.Context(), v.P, v.Tenant, a)
	}
	if err != nil {
		h.renderAPIs(w, r, v, failAPI(h, r, f, err), "", f)
		return
	}
	seeOther(w, r, areaURL(v, "/apis/"+a.ID+"?done=created"))
}

// apiPageView is an API's page, with the answer of "test a path" when the
// query asks one.
type apiPageView struct {
	API     *domain.API
	Methods []string
	// Method and Path are the test's; Result its answer when Tested.
	Method, Path string
	Tested       bool
	Result       gateway.Explanation
	// Problem is why a delete failed.
	Problem string
}

// testMethods are the methods the "test a path" box offers: those a
// resource may have.
var testMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions}

func (h *Handler) apiPage(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	a, err := h.Admin.GetAPI(r.Context(), v.P, v.Tenant, r.PathValue("id"))
	if err != nil {
		h.failPage(w, r, v, "APIs", "apis", err)
		return
	}
	h.renderAPI(w, r, v, http.StatusOK, a, doneFlash(r, apiFlashes), newForm(apiValues(a)), "")
}

// renderAPI shows API a with the edit form f. The path test routes the
// query's method and path through the gateway's own route table built
// from a alone: what the gateway does with it, as far as this API
// decides (a longer context of another API would take its paths first).
func (h *Handler) renderAPI(w http.ResponseWriter, r *http.Request, v *visit, status int, a *domain.API, flash string, f *form, problem string) {
	q := r.URL.Query()
	view := apiPageView{API: a, Method: q.Get("method"), Path: q.Get("path"), Methods: testMethods, Problem: problem}
	if view.Method == "" {
		view.Method = http.MethodGet
	}
	if view.Path != "" {
		view.Tested = true
		view.Result = gateway.Explain([]domain.API{*a}, view.Method, view.Path)
	} else {
		view.Path = a.Context + "/"
	}
	h.render(w, r, v, status, "api", &page{Title: "API " + a.ID, Section: "apis", Flash: flash, Form: f, Data: view})
}

func (h *Handler) updateAPI(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	id, f := r.PathValue("id"), newForm(r.PostForm)
	apiContext, upstream := strings.TrimSpace(f.Get("context")), strings.TrimSpace(f.Get("upstream"))
	rs, err := parseResources(f.Get("resources"))
	if err == nil {
		_, err = h.Admin.UpdateAPI(r.Context(), v.P, v.Tenant, id,
			admin.APIPatch{Context: &apiContext, Upstream: &upstream, Resources: &rs})
	}
	if err == nil {
		seeOther(w, r, areaURL(v, "/apis/"+id+"?done=updated"))
		return
	}
	status := failAPI(h, r, f, err)
	a, gerr := h.Admin.GetAPI(r.Context(), v.P, v.Tenant, id)
	if gerr != nil {
		h.failPage(w, r, v, "API", "apis", gerr)
		return
	}
	h.renderAPI(w, r, v, status, a, "", f, "")
}

func (h *Handler) deleteAPI(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	id := r.PathValue("id")
	err := h.Admin.DeleteAPI(r.Context(), v.P, v.Tenant, id)
	if err == nil {
		seeOther(w, r, areaURL(v, "/apis?done=deleted"))
		return
	}
	status, msg := failText(h, r, err)
	a, gerr := h.Admin.GetAPI(r.Context(), v.P, v.Tenant, id)
	if gerr != nil {
		h.failPage(w, r, v, "API", "apis", gerr)
		return
	}
	h.renderAPI(w, r, v, status, a, "", newForm(apiValues(a)), msg)
}
