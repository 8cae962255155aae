package adminapi

import (
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

// A user's browser sessions and consents (DESIGN §2 "Browser sign-in"):
// read and ended, never created or changed here. Both lists are whole
// (a user has a handful), so they carry no next link.
const (
	typeSession = "session"
	typeConsent = "consent"
)

type sessionOut struct {
	CreatedAt  time.Time `json:"createdAt"`
	LastSeenAt time.Time `json:"lastSeenAt"`
	AuthTime   time.Time `json:"authTime"`
	Methods    []string  `json:"methods"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

func sessionResource(s *domain.Session) jsonapi.Resource {
	return jsonapi.Resource{Type: typeSession, ID: s.ID, Attributes: sessionOut{
		CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt, AuthTime: s.AuthTime, Methods: list(s.Methods), ExpiresAt: s.ExpiresAt,
	}}
}

// consentOut: the resource id is the client id too.
type consentOut struct {
	ClientID  string    `json:"clientId"`
	Scopes    []string  `json:"scopes"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func consentResource(c *domain.Consent) jsonapi.Resource {
	return jsonapi.Resource{Type: typeConsent, ID: c.ClientID, Attributes: consentOut{
		ClientID: c.ClientID, Scopes: list(c.Scopes), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}}
}

func (h *Handler) listSessions(w http.ResponseWriter, r *http.Request, c call) error {
	xs, err := h.Service.ListSessions(r.Context(), c.p, c.tenant, r.PathValue("userId"))
	if err != nil {
		return err
	}
	return writeList(w, r, resources(xs, sessionResource), "")
}

func (h *Handler) deleteSession(w http.ResponseWriter, r *http.Request, c call) error {
	if err := h.Service.EndSession(r.Context(), c.p, c.tenant, r.PathValue("userId"), r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

// deleteSessions signs the user out everywhere; ending none is no error.
func (h *Handler) deleteSessions(w http.ResponseWriter, r *http.Request, c call) error {
	if _, err := h.Service.EndSessions(r.Context(), c.p, c.tenant, r.PathValue("userId")); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) listConsents(w http.ResponseWriter, r *http.Request, c call) error {
	xs, err := h.Service.ListConsents(r.Context(), c.p, c.tenant, r.PathValue("userId"))
	if err != nil {
		return err
	}
	return writeList(w, r, resources(xs, consentResource), "")
}

func (h *Handler) deleteConsent(w http.ResponseWriter, r *http.Request, c call) error {
	if err := h.Service.RevokeConsent(r.Context(), c.p, c.tenant, r.PathValue("userId"), r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}
