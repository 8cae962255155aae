package adminapi

import "net/http"

// unlockUser: POST /api/v1/actions/users/{id}/unlock clears the user's
// failed sign-ins (see admin.Service.UnlockUser); 204, no body.
func (h *Handler) unlockUser(w http.ResponseWriter, r *http.Request, c call) error {
	if err := h.Service.UnlockUser(r.Context(), c.p, c.tenant, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}
