package signin

import (
	"context"
	"errors"
	"net/http"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/oauth"
)

// Bootstrap checks a bearer credential: admin.Authenticator, which knows
// the bootstrap token (and follows its changes).
type Bootstrap interface {
	Authenticate(ctx context.Context, tenant, bearer string) (admin.Principal, error)
}

// setup serves the default tenant's first-time setup: the bootstrap
// token, posted from the sign-in page, opens a one-hour console session
// with its rights, audited like any sign-in. Any other credential is
// refused as a wrong token, whoever it belongs to.
func (h *Handler) setup(w http.ResponseWriter, r *http.Request, f *loginForm) {
	ctx := r.Context()
	ev := domain.AuditEvent{Tenant: f.tenant, Action: domain.ActionSignIn, Target: domain.AMRBootstrap}
	p, err := h.bootstrap.Authenticate(ctx, "", r.PostFormValue("bootstrap_token"))
	switch {
	case errors.Is(err, admin.ErrUnauthenticated) || err == nil && !p.Bootstrap:
		ev.Outcome, ev.Reason = domain.OutcomeFailure, oauth.CodeInvalidGrant
		h.record(ctx, r, ev)
		h.showLogin(w, r, f, http.StatusOK, "That is not the bootstrap token.")
		return
	case err != nil:
		h.fail(w, r, f.tenant, oauth.ServerError(err))
		return
	}
	old, err := h.sessions.Find(ctx, r, f.tenant)
	if err == nil && old != nil {
		_, err = h.sessions.End(ctx, f.tenant, old)
	}
	if err != nil {
		h.fail(w, r, f.tenant, oauth.ServerError(err))
		return
	}
	_, cookie, err := h.sessions.StartBootstrap(ctx, f.tenant)
	if err != nil {
		h.fail(w, r, f.tenant, oauth.ServerError(err))
		return
	}
	ev.Outcome = domain.OutcomeSuccess
	h.record(ctx, r, ev)
	http.SetCookie(w, cookie)
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}
