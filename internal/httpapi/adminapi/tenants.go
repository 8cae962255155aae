package adminapi

import (
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

// Resource types.
const (
	typeTenant      = "tenant"
	typeScope       = "scope"
	typeRole        = "role"
	typeUser        = "user"
	typeApplication = "application"
)

// tenantIn: apiTokenMaxTtl is in seconds, 0 for no cap; the session
// limits are in seconds, 0 for the defaults.
type tenantIn struct {
	Name               *string `json:"name"`
	APITokenMaxTTL     *int64  `json:"apiTokenMaxTtl"`
	SessionIdleTimeout *int64  `json:"sessionIdleTimeoutSeconds"`
	SessionMaxAge      *int64  `json:"sessionMaxAgeSeconds"`
}

type tenantOut struct {
	Name               string `json:"name"`
	APITokenMaxTTL     int64  `json:"apiTokenMaxTtl"`
	SessionIdleTimeout int64  `json:"sessionIdleTimeoutSeconds"`
	SessionMaxAge      int64  `json:"sessionMaxAgeSeconds"`
}

func tenantResource(t *domain.Tenant) jsonapi.Resource {
	return jsonapi.Resource{Type: typeTenant, ID: t.ID, Attributes: tenantOut{
		Name: t.Name, APITokenMaxTTL: int64(t.APITokenMaxTTL / time.Second),
		SessionIdleTimeout: int64(t.SessionIdleTimeout / time.Second), SessionMaxAge: int64(t.SessionMaxAge / time.Second)}}
}

// tenantPatch converts the attributes of in.
func tenantPatch(in *tenantIn) (admin.TenantPatch, error) {
	maxTTL, err := apiTokenMaxTTL(in.APITokenMaxTTL)
	if err != nil {
		return admin.TenantPatch{}, err
	}
	idle, err := sessionTimeout("sessionIdleTimeoutSeconds", in.SessionIdleTimeout)
	if err != nil {
		return admin.TenantPatch{}, err
	}
	maxAge, err := sessionTimeout("sessionMaxAgeSeconds", in.SessionMaxAge)
	if err != nil {
		return admin.TenantPatch{}, err
	}
	return admin.TenantPatch{Name: in.Name, APITokenMaxTTL: maxTTL, SessionIdleTimeout: idle, SessionMaxAge: maxAge}, nil
}

// sessionTimeout converts a session limit, refusing values out of range
// before the conversion to a Duration could overflow; domain checks the
// rest.
func sessionTimeout(field string, s *int64) (*time.Duration, error) {
	if s == nil {
		return nil, nil
	}
	if *s < 0 || *s > int64(domain.MaxSessionMaxAge/time.Second) {
		return nil, domain.InvalidSessionTimeout(field)
	}
	d := time.Duration(*s) * time.Second
	return &d, nil
}

// apiTokenMaxTTL converts the attribute, refusing values out of range
// before the conversion to a Duration could overflow.
func apiTokenMaxTTL(s *int64) (*time.Duration, error) {
	if s == nil {
		return nil, nil
	}
	if *s < 0 || *s > int64(domain.MaxAPITokenMaxTTL/time.Second) {
		return nil, domain.InvalidAPITokenMaxTTL()
	}
	d := time.Duration(*s) * time.Second
	return &d, nil
}

func (h *Handler) listTenants(w http.ResponseWriter, r *http.Request, c call) error {
	pg, err := jsonapi.ParsePage(r)
	if err != nil {
		return err
	}
	xs, next, err := h.Service.ListTenants(r.Context(), c.p, pg)
	if err != nil {
		return err
	}
	return writeList(w, r, resources(xs, tenantResource), next)
}

func (h *Handler) createTenant(w http.ResponseWriter, r *http.Request, c call) error {
	var in tenantIn
	id, err := jsonapi.Decode(w, r, typeTenant, "", &in)
	if err != nil {
		return err
	}
	patch, err := tenantPatch(&in)
	if err != nil {
		return err
	}
	t := &domain.Tenant{ID: id, Name: deref(patch.Name), APITokenMaxTTL: deref(patch.APITokenMaxTTL),
		SessionIdleTimeout: deref(patch.SessionIdleTimeout), SessionMaxAge: deref(patch.SessionMaxAge)}
	if err := h.Service.CreateTenant(r.Context(), c.p, t); err != nil {
		return err
	}
	return writeCreated(w, r, tenantResource(t))
}

func (h *Handler) getTenant(w http.ResponseWriter, r *http.Request, c call) error {
	t, err := h.Service.GetTenant(r.Context(), c.p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, tenantResource(t), r.URL.EscapedPath())
	return nil
}

func (h *Handler) updateTenant(w http.ResponseWriter, r *http.Request, c call) error {
	id := r.PathValue("id")
	var in tenantIn
	if _, err := jsonapi.Decode(w, r, typeTenant, id, &in); err != nil {
		return err
	}
	patch, err := tenantPatch(&in)
	if err != nil {
		return err
	}
	t, err := h.Service.UpdateTenant(r.Context(), c.p, id, patch)
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, tenantResource(t), r.URL.EscapedPath())
	return nil
}

func (h *Handler) deleteTenant(w http.ResponseWriter, r *http.Request, c call) error {
	if err := h.Service.DeleteTenant(r.Context(), c.p, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func derefList(p *[]string) []string {
	if p == nil {
		return nil
	}
	return *p
}

// list keeps empty lists as [] on the wire.
func list(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
