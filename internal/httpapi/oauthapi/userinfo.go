package oauthapi

import (
	"net/http"
	"strconv"

	"github.com/tollgate-dev/tollgate/internal/authheader"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
	"github.com/tollgate-dev/tollgate/internal/oauth"
)

// UserInfo serves GET and POST /{t}/oauth2/userinfo (OIDC Core §5.3). The
// access token comes in the Authorization header (RFC 6750 §2.1);
// refusals carry a Bearer challenge (§3).
func (h *Handler) UserInfo(w http.ResponseWriter, r *http.Request) {
	c, err := authheader.Parse(r.Header)
	var info *oauth.UserInfo
	switch {
	case err != nil:
		err = oauth.InvalidRequest(err.Error())
	case c.Scheme != authheader.Bearer:
		err = &oauth.Error{Status: http.StatusUnauthorized} // no credentials: a challenge, no error code
	default:
		info, err = h.srv.UserInfo(r.Context(), route.TenantOf(r), c.Token)
	}
	if err == nil {
		writeJSON(w, http.StatusOK, info)
		return
	}
	e := oauth.AsError(err)
	if e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden || e.Code == oauth.CodeInvalidRequest {
		challenge := `Bearer realm="tollgate"`
		if e.Code != "" {
			challenge += `, error="` + e.Code + `", error_description=` + strconv.Quote(e.Description)
		}
		if e.Code == oauth.CodeInsufficientScope {
			challenge += `, scope="openid"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
	}
	if e.Code == "" {
		e.Code, e.Description = oauth.CodeInvalidToken, "a bearer access token is required"
	}
	h.writeError(w, r, e)
}
