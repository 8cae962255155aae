package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// errOf keeps the error of an UpdateX call, for checks that need no record.
func errOf[T any](_ T, err error) error { return err }

// replaceWith is an update function that overwrites the stored record with
// x, as the UpdateX methods took whole records before they were
// compare-and-swap.
func replaceWith[T any](x *T) func(*T) error {
	return func(p *T) error { *p = *x; return nil }
}

// pair runs a and b at the same moment and waits for both.
func pair(t *testing.T, a, b func() error) {
	t.Helper()
	var start, done sync.WaitGroup
	start.Add(1)
	errs := make([]error, 2)
	for i, fn := range []func() error{a, b} {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			errs[i] = fn()
		}()
	}
	start.Done()
	done.Wait()
	ok(t, errors.Join(errs...))
}

// testUpdates pins the compare-and-swap of the UpdateX methods: fn sees the
// latest record, its error writes nothing, and concurrent updates of one
// record (a PATCH and a secret rotation, two PATCHes) keep both changes.
func testUpdates(t *testing.T, s store.Store) {
	newTenant(t, s, "acme")
	defineSamples(t, s, "acme")
	c := ctx(t)
	ok(t, s.CreateUser(c, "acme", sampleUser("john")))
	ok(t, s.CreateApplication(c, "acme", sampleApp("app1")))

	t.Run("fn error writes nothing and is returned", func(t *testing.T) {
		refused := errors.New("refused")
		_, err := s.UpdateUser(c, "acme", "john", func(u *domain.User) error {
			u.Email = "changed@example.com"
			return refused
		})
		isErr(t, err, refused)
		got, err := s.GetUser(c, "acme", "john")
		ok(t, err)
		eq(t, "email", got.Email, "john@example.com")
	})
	t.Run("store keeps the id and sets updatedAt", func(t *testing.T) {
		before := time.Now().Add(-time.Second)
		got, err := s.UpdateUser(c, "acme", "john", func(u *domain.User) error {
			u.ID, u.UpdatedAt, u.DisplayName = "someone-else", base, "John"
			return nil
		})
		ok(t, err)
		eq(t, "returned id", got.ID, "john")
		if got.UpdatedAt.Before(before) || got.UpdatedAt.After(time.Now().Add(time.Second)) {
			t.Fatalf("UpdatedAt = %v, not now: fn's clock was used, not the store's", got.UpdatedAt)
		}
		stored, err := s.GetUser(c, "acme", "john")
		ok(t, err)
		eq(t, "stored display name", stored.DisplayName, "John")
		eqTime(t, "stored updatedAt = returned", stored.UpdatedAt, got.UpdatedAt)
		eqTime(t, "created kept", stored.CreatedAt, base)
		_, err = s.GetUser(c, "acme", "someone-else")
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("200 interleaved PATCH/rotate pairs keep the last secret", func(t *testing.T) {
		for i := range 200 {
			hash := []byte(fmt.Sprintf("secret-%d", i))
			name := fmt.Sprintf("App %d", i)
			pair(t, func() error {
				_, err := s.UpdateApplication(c, "acme", "app1", func(a *domain.Application) error {
					time.Sleep(50 * time.Microsecond) // widen the window a lost update needs
					a.Name = name
					return nil
				})
				return err
			}, func() error {
				_, err := s.SetApplicationSecret(c, "acme", "app1", hash)
				return err
			})
			got, err := s.GetApplication(c, "acme", "app1")
			ok(t, err)
			eq(t, fmt.Sprintf("secret after pair %d", i), string(got.SecretHash), string(hash))
			eq(t, fmt.Sprintf("name after pair %d", i), got.Name, name)
		}
	})
	t.Run("disable vs email change: the user stays disabled", func(t *testing.T) {
		for i := range 100 {
			ok(t, errOf(s.UpdateUser(c, "acme", "john", func(u *domain.User) error { u.Disabled = false; return nil })))
			email := fmt.Sprintf("john%d@example.com", i)
			pair(t, func() error {
				return errOf(s.UpdateUser(c, "acme", "john", func(u *domain.User) error {
					time.Sleep(50 * time.Microsecond)
					u.Disabled = true
					return nil
				}))
			}, func() error {
				return errOf(s.UpdateUser(c, "acme", "john", func(u *domain.User) error {
					time.Sleep(50 * time.Microsecond)
					u.Email = email
					return nil
				}))
			})
			got, err := s.GetUser(c, "acme", "john")
			ok(t, err)
			eq(t, fmt.Sprintf("disabled after round %d", i), got.Disabled, true)
			eq(t, fmt.Sprintf("email after round %d", i), got.Email, email)
		}
	})
}
