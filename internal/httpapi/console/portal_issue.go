package console

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/oauth"
)

// Grants the "Generate access token" form offers.
const (
	issueForApp = "client_credentials" // the application's own token
	issueForMe  = "myself"             // a token for me, the application acting for me
)

// issued is an access token just generated, with what the page shows of
// it: its claims as the token carries them, its expiry and a call.
type issued struct {
	Token   shown
	Claims  string
	Expires time.Time
}

// issueAppToken serves POST /console/my/apps/{id}/token: an access token
// of the user's application, issued by the token service's own issuing
// step (oauth.IssueForPortal), which refuses any scope the token could
// not carry.
func (h *Handler) issueAppToken(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.userVisit)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	grant := f.Get("grant")
	if grant != issueForApp && grant != issueForMe {
		f.Errors["grant"] = "choose whose token it is"
	}
	minutes, err := strconv.ParseInt(f.Get("validity"), 10, 64)
	if err != nil || minutes <= 0 {
		f.Errors["validity"] = "enter a whole number of minutes"
	}
	if f.Failed() {
		h.showMyApp(w, r, v, http.StatusUnprocessableEntity, f, nil)
		return
	}
	resp, err := h.OAuth.IssueForPortal(r.Context(), v.Tenant, oauth.PortalToken{
		ClientID: r.PathValue("id"), Owner: v.P.Subject, ForOwner: grant == issueForMe,
		Scopes: r.PostForm["scope"], Validity: time.Duration(minutes) * time.Minute,
	})
	if err != nil {
		h.showMyApp(w, r, v, f.fail(h, r, err, ""), f, nil)
		return
	}
	out := &issued{Token: shown{ID: "access-token", Value: resp.AccessToken, CallURL: h.apiURL(r, v, strings.Fields(resp.Scope))},
		Claims: claimsOf(resp.AccessToken), Expires: time.Now().Add(time.Duration(resp.ExpiresIn) * time.Second)}
	h.showMyApp(w, r, v, http.StatusOK, f, &myAppData{Issued: out})
}

// claimsOf is the payload of a JWT the token service has just signed,
// indented for reading; it is shown, never trusted.
func claimsOf(jwt string) string {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var out bytes.Buffer
	if err != nil || json.Indent(&out, raw, "", "  ") != nil {
		return ""
	}
	return out.String()
}

// apiURL is the gateway URL of the first resource of the tenant's APIs
// that a token of scopes may call, so the ready-made call works as it
// is; the gateway's root when there is none.
func (h *Handler) apiURL(r *http.Request, v *visit, scopes []string) string {
	apis, _, err := h.Admin.ListPublishedAPIs(r.Context(), v.P, v.Tenant, domain.Page{Limit: admin.MaxPageSize})
	if err == nil {
		for _, a := range apis {
			for _, res := range a.Resources {
				if !res.Public && len(res.Scopes) > 0 && res.Method == http.MethodGet && holdsAll(scopes, res.Scopes) {
					return h.GatewayURL + a.Context + res.Path
				}
			}
		}
	}
	return h.GatewayURL + "/"
}

// holdsAll reports whether held includes every scope of need.
func holdsAll(held, need []string) bool {
	for _, s := range need {
		if !slices.Contains(held, s) {
			return false
		}
	}
	return true
}
