package console

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// myAPIsData is the page of the tenant's APIs, each resource with the
// scopes it needs and whether the user holds them.
type myAPIsData struct {
	APIs []apiView
	Next string
}

type apiView struct {
	ID, Context string
	Resources   []resourceView
}

type resourceView struct {
	Method, Path string
	Public       bool
	Scopes       []scopeView
	// Callable: the user holds every scope the resource needs.
	Callable bool
}

type scopeView struct {
	Name string
	Held bool
}

// myAPIs serves GET /console/my/apis.
func (h *Handler) myAPIs(w http.ResponseWriter, r *http.Request) {
	v, ok := h.userVisit(w, r)
	if !ok {
		return
	}
	apis, next, err := h.Admin.ListPublishedAPIs(r.Context(), v.P, v.Tenant, domain.Page{After: r.URL.Query().Get("after")})
	if err != nil {
		h.failPage(w, r, v, "APIs", "my-apis", err)
		return
	}
	d := myAPIsData{}
	for _, a := range apis {
		av := apiView{ID: a.ID, Context: a.Context}
		for _, res := range a.Resources {
			rv := resourceView{Method: res.Method, Path: a.Context + res.Path, Public: res.Public, Callable: true}
			for _, s := range res.Scopes {
				held := slices.Contains(v.P.Scopes, s)
				rv.Scopes = append(rv.Scopes, scopeView{Name: s, Held: held})
				rv.Callable = rv.Callable && held
			}
			av.Resources = append(av.Resources, rv)
		}
		d.APIs = append(d.APIs, av)
	}
	if next != "" {
		d.Next = portalPath(v, "apis", "") + "?after=" + url.QueryEscape(next)
	}
	h.render(w, r, v, http.StatusOK, "my-apis", &page{Title: "APIs", Section: "my-apis", Data: d})
}
