package signin

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/federation"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
	"github.com/tollgate-dev/tollgate/internal/oauth"
)

// Federation signs users in through a tenant's external providers
// (package federation).
type Federation interface {
	// Providers are the tenant's enabled providers, one button each.
	Providers(ctx context.Context, tenant string) ([]domain.IdentityProvider, error)
	Begin(ctx context.Context, tenant, provider, returnTo string) (string, *http.Cookie, error)
	Finish(ctx context.Context, tenant, provider string, r *http.Request) (*federation.Result, *http.Cookie, error)
}

// federate serves GET /{t}/login/federate/{provider}: the "Sign in with
// …" button. The pending authorization request rides along, sealed in the
// state cookie, and resumes at the callback.
func (h *Handler) federate(w http.ResponseWriter, r *http.Request) {
	f, err := h.parseLogin(r, r.URL.Query())
	if err != nil {
		h.fail(w, r, route.TenantOf(r), err)
		return
	}
	if h.fed == nil {
		h.fail(w, r, f.tenant, notFound())
		return
	}
	to, cookie, err := h.fed.Begin(r.Context(), f.tenant, r.PathValue("provider"), f.authz.Encode())
	if err != nil {
		h.federationFailed(w, r, f.tenant, err)
		return
	}
	http.SetCookie(w, cookie)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// callback serves GET /{t}/login/callback/{provider}: the provider's
// answer. The state cookie is cleared whatever the outcome.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	tenant, provider := route.TenantOf(r), r.PathValue("provider")
	if h.fed == nil {
		h.fail(w, r, tenant, notFound())
		return
	}
	ctx := r.Context()
	res, cookie, err := h.fed.Finish(ctx, tenant, provider, r)
	if cookie != nil {
		http.SetCookie(w, cookie)
	}
	ev := domain.AuditEvent{Tenant: tenant, Action: domain.ActionSignIn, Target: provider}
	if err != nil {
		ev.Outcome, ev.Reason = domain.OutcomeFailure, "federation_failed"
		h.record(ctx, r, ev)
		h.federationFailed(w, r, tenant, err)
		return
	}
	if res.Created || res.Linked {
		action := domain.ActionFederationLink
		if res.Created {
			action = domain.ActionFederationCreate
		}
		h.record(ctx, r, domain.AuditEvent{Tenant: tenant, Action: action, Outcome: domain.OutcomeSuccess,
			UserID: res.User.ID, Target: provider})
	}
	ev.Outcome, ev.UserID = domain.OutcomeSuccess, res.User.ID
	h.record(ctx, r, ev)
	authz, err := url.ParseQuery(res.ReturnTo)
	if err != nil {
		authz = nil // sealed by us: cannot happen, and signing in alone is still right
	}
	h.signedIn(w, r, tenant, res.User.ID, []string{domain.AMRFederated}, authz)
}

// federationFailed shows why sign-in through a provider failed, in the
// words package federation chose to show.
func (h *Handler) federationFailed(w http.ResponseWriter, r *http.Request, tenant string, err error) {
	var fe *federation.Error
	switch {
	case errors.Is(err, federation.ErrUnknownProvider):
		h.fail(w, r, tenant, notFound())
	case errors.Is(err, domain.ErrUnavailable):
		h.fail(w, r, tenant, oauth.ServerError(err)) // 503, as every page when the database is down
	case errors.As(err, &fe):
		h.log.InfoContext(r.Context(), "federated sign-in refused", "tenant", tenant, "err", err)
		p := h.newPage(w, r, tenant, "Sign-in problem")
		p.Error, p.Message, p.Detail = "yes", "Sign-in did not complete.", fe.Public
		render(w, http.StatusForbidden, "message", p, "")
	default:
		h.fail(w, r, tenant, oauth.ServerError(err))
	}
}

func notFound() *oauth.Error {
	e := oauth.InvalidRequest("no such identity provider")
	e.Status = http.StatusNotFound
	return e
}
