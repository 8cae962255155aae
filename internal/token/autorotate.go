package token

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Automatic rotation. Each key signs for Period; its successor is stored
// Prepublish ahead of that, with its start time in the future, so it is
// in the JWKS (and so in verifiers' caches) before the first token it
// signs. The old key then retires at the successor's start and stays
// published for domain.MaxAccessTokenTTL more, like a key rotated by
// hand; DeleteExpired removes it after that.
type RotationPolicy struct {
	Period     time.Duration // 0: no automatic rotation
	Prepublish time.Duration
}

// Default automatic rotation: a key signs for 90 days, and is announced a
// day ahead, longer than verifiers commonly cache a JWKS.
const (
	DefaultRotationPeriod = 90 * 24 * time.Hour
	DefaultPrepublish     = 24 * time.Hour
)

// MinPrepublish is the shortest pre-publication Validate accepts: well
// above how long a node's verifiers keep a tenant's keys (cacheTTL).
const MinPrepublish = time.Minute

// Validate checks the policy's durations: a successor is announced at
// least MinPrepublish ahead, and a key signs at least as long as a
// retired one stays published, so the key set holds a bounded number.
func (p RotationPolicy) Validate() error {
	switch {
	case p.Period < 0:
		return errors.New("token: the key rotation period must not be negative")
	case p.Period == 0:
		return nil
	case p.Prepublish < MinPrepublish:
		return fmt.Errorf("token: key pre-publication must be at least %s, so verifiers' cached key sets hold the next key", MinPrepublish)
	case p.Period < p.Prepublish+domain.MaxAccessTokenTTL:
		return fmt.Errorf("token: the key rotation period must be at least the pre-publication (%s) plus %s, how long a retired key stays published",
			p.Prepublish, domain.MaxAccessTokenTTL)
	}
	return nil
}

// RotateDue schedules the successor of every tenant's key that is within
// Prepublish of the end of its Period, and returns how many it scheduled.
// Every node may run it: the store lets one node schedule each successor
// and the others' attempts change nothing. A tenant whose key it could not
// replace is skipped and reported in the error; the others go on.
func (k *Keyring) RotateDue(ctx context.Context, p RotationPolicy) (int, error) {
	if p.Period <= 0 {
		return 0, nil
	}
	now := k.now()
	dueBefore := now.Add(p.Prepublish - p.Period)
	due, err := k.sign.st.DueSigningKeys(ctx, dueBefore)
	if err != nil {
		return 0, fmt.Errorf("token: listing keys due for rotation: %w", err)
	}
	var n int
	var errs []error
	for _, d := range due {
		done, err := k.scheduleSuccessor(ctx, d, p, now, dueBefore)
		if err != nil {
			errs = append(errs, err)
		} else if done {
			n++
		}
	}
	return n, errors.Join(errs...)
}

// scheduleSuccessor stores the successor of d's signing key, starting at
// the end of its period, or Prepublish from now if that is later (a node
// that was down past the due time must still announce the key first).
func (k *Keyring) scheduleSuccessor(ctx context.Context, d domain.KeyUseRef, p RotationPolicy, now, dueBefore time.Time) (bool, error) {
	keys, err := k.sign.st.ListSigningKeys(ctx, d.Tenant, now)
	if err != nil {
		return false, fmt.Errorf("token: loading signing keys of %s: %w", d.Tenant, err)
	}
	var signing *domain.SigningKey
	for i := range keys {
		if keys[i].Use == d.Use && keys[i].Signs(now) {
			signing = &keys[i]
			break
		}
	}
	if signing == nil {
		return false, nil // retired by hand in the meantime; its successor is not due
	}
	a := storedAlgorithm(signing.Algorithm)
	if a == nil {
		return false, fmt.Errorf("token: signing key %s of %s: %w %q", signing.ID, d.Tenant, ErrUnsupportedAlgorithm, signing.Algorithm)
	}
	start := signing.CreatedAt.Add(p.Period)
	if earliest := now.Add(p.Prepublish); start.Before(earliest) {
		start = earliest
	}
	next, err := k.sign.newKey(d.Tenant, a, d.Use, start)
	if err != nil {
		return false, err
	}
	err = k.sign.st.ScheduleSigningKey(ctx, d.Tenant, next, start.Add(domain.MaxAccessTokenTTL), dueBefore)
	switch {
	case errors.Is(err, domain.ErrConflict):
		return false, nil // another node was first
	case err != nil:
		return false, fmt.Errorf("token: scheduling the next signing key of %s: %w", d.Tenant, err)
	}
	k.Forget(d.Tenant) // the next use publishes the successor
	return true, nil
}
