package admin

import (
	"context"
	"slices"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// apiTokenRevocationHold is how long a deleted API token's revocation is
// kept: far longer than any node caches a token, after which the store
// lookup alone refuses it.
const apiTokenRevocationHold = time.Hour

// APITokenSpec is what a client chooses for a new API token.
type APITokenSpec struct {
	ID          string
	Description string
	// Scopes the token carries; nil: every scope the user's roles hold.
	Scopes    []string
	ExpiresAt *time.Time // nil: no expiry, or the longest the tenant allows
}

// canManageAPITokens: admins of the tenant for any of its users, and a
// user for themself with any credential of theirs (DESIGN §2 "apiTokens").
// Sessions and consents follow the same rule (sessions.go).
func canManageAPITokens(p Principal, tenant, userID string) error {
	return canReadUser(p, tenant, userID)
}

// ownUser checks that p may manage userID's own things (API tokens,
// sessions, consents), then that tenant and user exist, and returns both;
// callers address the user by the returned user's id, which userID names
// in any case or width.
func (s *Service) ownUser(ctx context.Context, p Principal, tenant, userID string) (*domain.Tenant, *domain.User, error) {
	userID, err := s.userID(ctx, tenant, userID)
	if err != nil {
		return nil, nil, err
	}
	if err := canManageAPITokens(p, tenant, userID); err != nil {
		return nil, nil, err
	}
	t, err := s.store.GetTenant(ctx, tenant)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.store.GetUser(ctx, tenant, userID)
	return t, u, err
}

// CreateAPIToken makes a token for userID and returns its record and the
// token string, which exists nowhere else: only its hash is stored.
func (s *Service) CreateAPIToken(ctx context.Context, p Principal, tenant, userID string, spec APITokenSpec) (*domain.APIToken, string, error) {
	ten, u, err := s.ownUser(ctx, p, tenant, userID)
	if err != nil {
		return nil, "", err
	}
	now := s.Now()
	t := &domain.APIToken{Tenant: tenant, UserID: u.ID, ID: spec.ID, Description: spec.Description, CreatedAt: now}
	if err := domain.ValidateAPIToken(t); err != nil {
		return nil, "", err
	}
	if t.ExpiresAt, err = apiTokenExpiry(spec.ExpiresAt, now, ten); err != nil {
		return nil, "", err
	}
	if t.Scopes, err = s.apiTokenScopes(ctx, tenant, u, spec.Scopes); err != nil {
		return nil, "", err
	}
	raw, err := token.NewOpaque(token.PrefixAPI)
	if err != nil {
		return nil, "", err
	}
	t.Hash = secret.HashToken(raw)
	if err := s.store.CreateAPIToken(ctx, tenant, t); err != nil {
		return nil, "", err
	}
	s.changed(ctx, p, tenant, "apiToken.create", u.ID+"/"+t.ID, nil)
	return t, raw, nil
}

// apiTokenExpiry checks a requested expiry against now and the tenant's
// cap. Under a cap, no expiry means the longest allowed, so a script that
// never asked for one still gets a token (and sees its expiry in the answer).
func apiTokenExpiry(requested *time.Time, now time.Time, t *domain.Tenant) (*time.Time, error) {
	if requested != nil && !requested.After(now) {
		return nil, domain.Invalid("expiresAt", "must be in the future")
	}
	if t.APITokenMaxTTL <= 0 {
		if requested == nil {
			return nil, nil
		}
		e := requested.UTC()
		return &e, nil
	}
	limit := now.Add(t.APITokenMaxTTL).UTC()
	switch {
	case requested == nil:
		return &limit, nil
	case requested.After(limit):
		return nil, domain.Invalid("expiresAt", "beyond the tenant's maximum API token lifetime of %d seconds (apiTokenMaxTtl of tenant %q): at most %s",
			int64(t.APITokenMaxTTL/time.Second), t.ID, limit.Format(time.RFC3339))
	}
	e := requested.UTC()
	return &e, nil
}

// apiTokenScopes defaults to all the user's scopes and refuses any scope
// the user does not hold: a token never carries more than its user.
func (s *Service) apiTokenScopes(ctx context.Context, tenant string, u *domain.User, requested []string) ([]string, error) {
	held, err := s.store.RoleScopes(ctx, tenant, u.Roles)
	if err != nil {
		return nil, err
	}
	if requested == nil {
		out := slices.Clone(held)
		slices.Sort(out)
		return nonNil(out), nil
	}
	out := make([]string, 0, len(requested))
	for _, sc := range requested {
		if !slices.Contains(held, sc) {
			return nil, domain.Invalid("scopes", "user %q does not hold scope %q", u.ID, sc)
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out, nil
}

// GetAPIToken returns one token's record (never the token itself).
func (s *Service) GetAPIToken(ctx context.Context, p Principal, tenant, userID, id string) (*domain.APIToken, error) {
	_, u, err := s.ownUser(ctx, p, tenant, userID)
	if err != nil {
		return nil, err
	}
	return s.store.GetAPIToken(ctx, tenant, u.ID, id)
}

// ListAPITokens returns a page of a user's tokens and the next cursor.
func (s *Service) ListAPITokens(ctx context.Context, p Principal, tenant, userID string, pg domain.Page) ([]domain.APIToken, string, error) {
	_, u, err := s.ownUser(ctx, p, tenant, userID)
	if err != nil {
		return nil, "", err
	}
	pg = pageOf(pg)
	xs, err := s.store.ListAPITokens(ctx, tenant, u.ID, pg)
	if err != nil {
		return nil, "", err
	}
	xs, next := trimPage(xs, pg, func(x *domain.APIToken) string { return x.ID })
	return xs, next, nil
}

// DeleteAPIToken deletes a token; it stops working from the next request
// on this node (changed catches up on its revocation) and within a second
// on the others.
func (s *Service) DeleteAPIToken(ctx context.Context, p Principal, tenant, userID, id string) error {
	_, u, err := s.ownUser(ctx, p, tenant, userID)
	if err != nil {
		return err
	}
	_, err = s.store.DeleteAPIToken(ctx, tenant, u.ID, id, s.Now().Add(apiTokenRevocationHold))
	if err != nil {
		return err
	}
	return s.changed(ctx, p, tenant, "apiToken.delete", u.ID+"/"+id, nil)
}
