package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
)

var embedFlashes = map[string]string{"saved": "Embed settings saved."}

// embedView is the embed settings page. Secret is set only in the answer
// to a regeneration.
type embedView struct {
	Settings  *domain.EmbedSettings
	HasSecret bool
	Secret    *shown
	// Problem is why a regeneration failed.
	Problem string
	// TokenURL and ClientID fill the worked examples.
	TokenURL, ClientID string
}

func embedValues(e *domain.EmbedSettings) url.Values {
	v := url.Values{"scopes": {strings.Join(e.Scopes, " ")},
		"accessTokenTtl": {secondsText(e.AccessTokenTTL)}, "refreshTokenTtl": {secondsText(e.RefreshTokenTTL)}}
	if e.Enabled {
		v.Set("enabled", "on")
	}
	return v
}

func (h *Handler) embedPage(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	h.renderEmbed(w, r, v, http.StatusOK, doneFlash(r, embedFlashes), nil, embedView{})
}

// renderEmbed shows the stored settings with form f (nil: filled from
// them) and view's Secret or Problem.
func (h *Handler) renderEmbed(w http.ResponseWriter, r *http.Request, v *visit, status int, flash string, f *form, view embedView) {
	e, err := h.Admin.GetEmbedSettings(r.Context(), v.P, v.Tenant)
	if err != nil {
		h.failPage(w, r, v, "Embed settings", "embed", err)
		return
	}
	if f == nil {
		f = newForm(embedValues(e))
	}
	view.Settings, view.HasSecret = e, len(e.SealedSecret) > 0
	view.TokenURL, view.ClientID = h.OAuth.Issuer(v.Tenant)+"/oauth2/token", domain.EmbedApplicationID
	h.render(w, r, v, status, "embed", &page{Title: "Embed settings", Section: "embed", Flash: flash, Form: f, Data: view})
}

func (h *Handler) updateEmbed(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	enabled, scopes := f.Get("enabled") == "on", f.words("scopes")
	patch := admin.EmbedPatch{Enabled: &enabled, Scopes: &scopes}
	var err error
	if patch.AccessTokenTTL, err = f.seconds("accessTokenTtl"); err == nil {
		patch.RefreshTokenTTL, err = f.seconds("refreshTokenTtl")
	}
	if err == nil {
		_, err = h.Admin.UpdateEmbedSettings(r.Context(), v.P, v.Tenant, patch)
	}
	if err != nil {
		h.renderEmbed(w, r, v, f.fail(h, r, err, ""), "", f, embedView{})
		return
	}
	seeOther(w, r, areaURL(v, "/embed?done=saved"))
}

// regenerateEmbedSecret answers with the new secret, shown this once; the
// old one stopped working in the same write.
func (h *Handler) regenerateEmbedSecret(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	_, secret, err := h.Admin.RegenerateEmbedSecret(r.Context(), v.P, v.Tenant)
	if err != nil {
		status, msg := failText(h, r, err)
		h.renderEmbed(w, r, v, status, "", nil, embedView{Problem: msg})
		return
	}
	h.renderEmbed(w, r, v, http.StatusOK, "", nil, embedView{Secret: &shown{ID: "embed", Value: secret}})
}
