package adminapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

const typeEmbedSettings = "embedSettings"

// embedIn: lifetimes in seconds, as for applications.
type embedIn struct {
	Enabled         *bool     `json:"enabled"`
	Scopes          *[]string `json:"scopes"`
	AccessTokenTTL  *int64    `json:"accessTokenTtl"`
	RefreshTokenTTL *int64    `json:"refreshTokenTtl"`
}

type embedOut struct {
	Enabled   bool     `json:"enabled"`
	Scopes    []string `json:"scopes"`
	HasSecret bool     `json:"hasSecret"`
	// EmbedSecret only in the answer to generating it.
	EmbedSecret     string `json:"embedSecret,omitempty"`
	ClientID        string `json:"clientId"` // the built-in embed application
	AccessTokenTTL  int64  `json:"accessTokenTtl"`
	RefreshTokenTTL int64  `json:"refreshTokenTtl"`
}

func embedResource(e *domain.EmbedSettings, embedSecret string) jsonapi.Resource {
	app := e.Application()
	return jsonapi.Resource{Type: typeEmbedSettings, ID: e.Tenant, Attributes: embedOut{
		Enabled: e.Enabled, Scopes: list(e.Scopes), HasSecret: len(e.SealedSecret) > 0, EmbedSecret: embedSecret,
		ClientID:        domain.EmbedApplicationID,
		AccessTokenTTL:  int64(app.AccessTokenTTL / time.Second),
		RefreshTokenTTL: int64(app.RefreshTokenTTL / time.Second),
	}}
}

func (h *Handler) getEmbed(w http.ResponseWriter, r *http.Request, c call) error {
	e, err := h.Service.GetEmbedSettings(r.Context(), c.p, c.tenant)
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, embedResource(e, ""), r.URL.EscapedPath())
	return nil
}

func (h *Handler) updateEmbed(w http.ResponseWriter, r *http.Request, c call) error {
	var in embedIn
	if _, err := jsonapi.Decode(w, r, typeEmbedSettings, c.tenant, &in); err != nil {
		return err
	}
	access, err := seconds("accessTokenTtl", in.AccessTokenTTL)
	if err != nil {
		return err
	}
	refresh, err := seconds("refreshTokenTtl", in.RefreshTokenTTL)
	if err != nil {
		return err
	}
	e, err := h.Service.UpdateEmbedSettings(r.Context(), c.p, c.tenant, admin.EmbedPatch{
		Enabled: in.Enabled, Scopes: in.Scopes, AccessTokenTTL: access, RefreshTokenTTL: refresh,
	})
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, embedResource(e, ""), r.URL.EscapedPath())
	return nil
}

// regenerateEmbedSecret answers with the new secret, shown this once; the
// old secret stops working with this answer.
func (h *Handler) regenerateEmbedSecret(w http.ResponseWriter, r *http.Request, c call) error {
	e, embedSecret, err := h.Service.RegenerateEmbedSecret(r.Context(), c.p, c.tenant)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeOne(w, http.StatusOK, embedResource(e, embedSecret), strings.TrimSuffix(r.URL.EscapedPath(), "/secret"))
	return nil
}
