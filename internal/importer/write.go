package importer

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
)

// write stores a batch in one transaction. If the batch fails, each row
// is retried in a transaction of its own, so one row the database refuses
// costs only that row and no user is ever half written.
func (im *Importer) write(ctx context.Context, tenant string, batch []*pending, rep *Report) error {
	ready := batch[:0:0]
	for _, p := range batch {
		if err := im.resolvePassword(ctx, tenant, p); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			rep.fail(&RowError{Line: p.line, Username: p.user.ID, Reason: "password: " + err.Error()})
			continue
		}
		ready = append(ready, p)
	}
	if len(ready) == 0 {
		return nil
	}
	out, err := im.upsert(ctx, tenant, ready)
	if err == nil {
		count(rep, out)
		return nil
	}
	if ctx.Err() != nil || errors.Is(err, domain.ErrNotFound) {
		return err // cancelled, or the tenant is gone: no row can succeed
	}
	for _, p := range ready {
		out, err := im.upsert(ctx, tenant, []*pending{p})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			rep.fail(&RowError{Line: p.line, Username: p.user.ID, Reason: "not stored: " + err.Error()})
			continue
		}
		count(rep, out)
	}
	return nil
}

func (im *Importer) upsert(ctx context.Context, tenant string, ps []*pending) ([]domain.UpsertOutcome, error) {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.user.ID
	}
	return im.Store.UpsertUsers(ctx, tenant, ids, func(i int, stored *domain.User) *domain.User {
		return merge(ps[i], stored)
	})
}

func count(rep *Report, out []domain.UpsertOutcome) {
	for _, o := range out {
		switch o {
		case domain.UpsertCreated:
			rep.Created++
		case domain.UpsertUpdated:
			rep.Updated++
		default:
			rep.Skipped++
		}
	}
}

// merge returns the user to store for a row, or nil when the stored user
// already matches it. Columns the source lacks keep the stored values, as
// does an empty password: an import never removes a password.
func merge(p *pending, stored *domain.User) *domain.User {
	if stored == nil {
		u := p.user
		return &u
	}
	u := *stored
	if p.row.Has(ColEmail) {
		u.Email = p.user.Email
	}
	if p.row.Has(ColDisplayName) {
		u.DisplayName = p.user.DisplayName
	}
	if p.row.Has(ColRoles) {
		u.Roles = p.user.Roles
	}
	if h := p.user.PasswordHash; h != "" && h != stored.PasswordHash && !upgradedFrom(p, stored) {
		u.PasswordHash, u.ImportedHash = h, p.user.ImportedHash
	}
	if u.Email == stored.Email && u.DisplayName == stored.DisplayName && u.PasswordHash == stored.PasswordHash &&
		slices.Equal(sorted(u.Roles), sorted(stored.Roles)) {
		return nil
	}
	return &u
}

// upgradedFrom reports whether the stored hash descends from the row's:
// the import wrote this same hash before and a sign-in has since upgraded
// it (to argon2id), which keeps the key. Putting the row's hash back would
// undo the upgrade, so it is no change.
func upgradedFrom(p *pending, stored *domain.User) bool {
	return p.user.ImportedHash != "" && p.user.ImportedHash == stored.ImportedHash
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// resolvePassword turns a row's plaintext password into a hash. When the
// stored user's hash already matches the password it is kept, so
// importing the same file again changes nothing (a fresh hash would have
// a fresh salt).
func (im *Importer) resolvePassword(ctx context.Context, tenant string, p *pending) error {
	if p.password == "" {
		return nil
	}
	stored, err := im.Store.GetUser(ctx, tenant, p.user.ID)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return err
	}
	if stored != nil && stored.PasswordHash != "" {
		ok, err := retryOverloaded(ctx, func() (bool, error) {
			ok, _, err := im.Hasher.Verify(ctx, p.password, stored.PasswordHash)
			return ok, err
		})
		if err == nil && ok {
			p.user.PasswordHash = stored.PasswordHash
			return nil
		}
	}
	var h string
	_, err = retryOverloaded(ctx, func() (bool, error) {
		var err error
		h, err = im.Hasher.Hash(ctx, p.password)
		return true, err
	})
	p.user.PasswordHash = h
	return err
}

// retryOverloaded runs fn until the hasher has a slot for it: logins keep
// priority, an import waits its turn for up to hashWait.
func retryOverloaded(ctx context.Context, fn func() (bool, error)) (bool, error) {
	deadline := time.Now().Add(hashWait)
	for {
		ok, err := fn()
		if !errors.Is(err, secret.ErrOverloaded) || time.Now().After(deadline) {
			return ok, err
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
