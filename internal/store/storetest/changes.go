package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// testChanges pins the change feed: which writes append which change,
// that a failed write or a login's rehash appends none, that followers
// reading while writers commit concurrently miss nothing, and the purge.
func testChanges(t *testing.T, s store.Store) {
	c := ctx(t)
	newTenant(t, s, domain.DefaultTenant)
	newTenant(t, s, "acme")
	defineSamples(t, s, "acme")
	defineScopes(t, s, "acme", "orders:read")
	ok(t, s.CreateUser(c, "acme", sampleUser("ann")))
	ok(t, s.CreateApplication(c, "acme", sampleApp("app1")))
	ok(t, s.CreateAPI(c, "acme", sampleAPI("orders", "/orders")))

	tests := []struct {
		name  string
		write func() error
		want  []domain.Change // Tenant, Entity and ID; none when empty
	}{
		{"create tenant", func() error { return s.CreateTenant(c, &domain.Tenant{ID: "beta", Name: "Beta"}) },
			[]domain.Change{{Tenant: "beta", Entity: domain.EntityTenant, ID: "beta"}}},
		{"update tenant", func() error {
			_, err := s.UpdateTenant(c, "beta", func(t *domain.Tenant) error { t.Name = "B"; return nil })
			return err
		}, []domain.Change{{Tenant: "beta", Entity: domain.EntityTenant, ID: "beta"}}},
		{"delete tenant", func() error { return s.DeleteTenant(c, "beta") },
			[]domain.Change{{Tenant: "beta", Entity: domain.EntityTenant, ID: "beta"}}},
		{"create user", func() error { return s.CreateUser(c, "acme", sampleUser("bob")) },
			[]domain.Change{{Tenant: "acme", Entity: domain.EntityUser, ID: "bob"}}},
		{"update user", func() error {
			_, err := s.UpdateUser(c, "acme", "bob", func(u *domain.User) error { u.Disabled = true; return nil })
			return err
		}, []domain.Change{{Tenant: "acme", Entity: domain.EntityUser, ID: "bob"}}},
		{"delete user", func() error { return s.DeleteUser(c, "acme", "bob") },
			[]domain.Change{{Tenant: "acme", Entity: domain.EntityUser, ID: "bob"}}},
		{"import batch: one change for its users", func() error {
			_, err := s.UpsertUsers(c, "acme", []string{"i1", "i2"}, func(i int, _ *domain.User) *domain.User {
				return &domain.User{Email: fmt.Sprintf("i%d@example.com", i), Source: domain.SourceLocal}
			})
			return err
		}, []domain.Change{{Tenant: "acme", Entity: domain.EntityUser, ID: ""}}},
		{"import batch that changes nothing: none", func() error {
			_, err := s.UpsertUsers(c, "acme", []string{"i1"}, func(int, *domain.User) *domain.User { return nil })
			return err
		}, nil},
		{"a login's rehash: none", func() error {
			return s.SetPasswordHash(c, "acme", "ann", "$argon2id$old", "$argon2id$new")
		}, nil},
		{"a refused write: none", func() error {
			u := sampleUser("carl")
			u.Roles = []string{"no-such-role"}
			if err := s.CreateUser(c, "acme", u); err == nil {
				return fmt.Errorf("a user with an unknown role was stored")
			}
			return nil
		}, nil},
		{"create role", func() error { return s.CreateRole(c, "acme", &domain.Role{ID: "r1", Scopes: []string{"a"}}) },
			[]domain.Change{{Tenant: "acme", Entity: domain.EntityRole, ID: "r1"}}},
		{"update role", func() error {
			_, err := s.UpdateRole(c, "acme", "r1", func(r *domain.Role) error { r.Scopes = []string{"b"}; return nil })
			return err
		}, []domain.Change{{Tenant: "acme", Entity: domain.EntityRole, ID: "r1"}}},
		{"delete role", func() error { return s.DeleteRole(c, "acme", "r1", false) },
			[]domain.Change{{Tenant: "acme", Entity: domain.EntityRole, ID: "r1"}}},
		{"create scope", func() error { return s.CreateScope(c, "acme", &domain.Scope{ID: "s1"}) },
			[]domain.Change{{Tenant: "acme", Entity: domain.EntityScope, ID: "s1"}}},
		{"update scope", func() error {
			_, err := s.UpdateScope(c, "acme", "s1", func(sc *domain.Scope) error { sc.Description = "x"; return nil })
			return err
		}, []domain.Change{{Tenant: "acme", Entity: domain.EntityScope, ID: "s1"}}},
		{"delete scope", func() error { _, err := s.DeleteScope(c, "acme", "s1", false); return err },
			[]domain.Change{{Tenant: "acme", Entity: domain.EntityScope, ID: "s1"}}},
		{"update application", func() error {
			_, err := s.UpdateApplication(c, "acme", "app1", func(a *domain.Application) error { a.Name = "x"; return nil })
			return err
		}, []domain.Change{{Tenant: "acme", Entity: domain.EntityApplication, ID: "app1"}}},
		{"new application secret", func() error { _, err := s.SetApplicationSecret(c, "acme", "app1", []byte{9}); return err },
			[]domain.Change{{Tenant: "acme", Entity: domain.EntityApplication, ID: "app1"}}},
		{"delete application", func() error { return s.DeleteApplication(c, "acme", "app1") },
			[]domain.Change{{Tenant: "acme", Entity: domain.EntityApplication, ID: "app1"}}},
		{"update API", func() error {
			_, err := s.UpdateAPI(c, "acme", "orders", func(a *domain.API) error { a.Upstream = "http://127.0.0.1:9001"; return nil })
			return err
		}, []domain.Change{{Tenant: "acme", Entity: domain.EntityAPI, ID: "orders"}}},
		{"delete API", func() error { return s.DeleteAPI(c, "acme", "orders") },
			[]domain.Change{{Tenant: "acme", Entity: domain.EntityAPI, ID: "orders"}}},
		{"embed settings", func() error { return s.PutEmbedSettings(c, "acme", &domain.EmbedSettings{Enabled: true}) },
			[]domain.Change{{Tenant: "acme", Entity: domain.EntityEmbed, ID: "acme"}}},
		{"first signing key", func() error { return s.CreateSigningKey(c, "acme", sampleKey("k1", base)) },
			[]domain.Change{{Tenant: "acme", Entity: domain.EntitySigningKey, ID: "k1"}}},
		{"key rotation", func() error { return s.RotateSigningKey(c, "acme", sampleKey("k2", base), base.Add(time.Hour)) },
			[]domain.Change{{Tenant: "acme", Entity: domain.EntitySigningKey, ID: "k2"}}},
		{"create gateway credential", func() error { return s.CreateGatewayCredential(c, sampleGatewayCredential("edge")) },
			[]domain.Change{{Tenant: "", Entity: domain.EntityGatewayCredential, ID: "edge"}}},
		{"delete gateway credential", func() error {
			_, err := s.DeleteGatewayCredential(c, "edge", base.Add(time.Hour))
			return err
		}, []domain.Change{{Tenant: "", Entity: domain.EntityGatewayCredential, ID: "edge"}}},
		{"setting", func() error { return s.PutSetting(c, "k", "v") },
			[]domain.Change{{Tenant: "", Entity: domain.EntitySetting, ID: "k"}}},
		{"create identity provider", func() error { return s.CreateIdentityProvider(c, "acme", sampleIdP("idp1")) },
			[]domain.Change{{Tenant: "acme", Entity: domain.EntityIdentityProvider, ID: "idp1"}}},
		{"update identity provider", func() error {
			_, err := s.UpdateIdentityProvider(c, "acme", "idp1", func(p *domain.IdentityProvider) error { p.Enabled = false; return nil })
			return err
		}, []domain.Change{{Tenant: "acme", Entity: domain.EntityIdentityProvider, ID: "idp1"}}},
		{"a link to the provider: none", func() error {
			return s.LinkIdentity(c, "acme", &domain.FederatedIdentity{Provider: "idp1", Subject: "sub", UserID: "ann"})
		}, nil},
		{"delete identity provider", func() error { return s.DeleteIdentityProvider(c, "acme", "idp1") },
			[]domain.Change{{Tenant: "acme", Entity: domain.EntityIdentityProvider, ID: "idp1"}}},
		{"a session: none", func() error {
			if err := s.CreateSession(c, "acme", sampleSession("s1", "ann", base)); err != nil {
				return err
			}
			if err := s.TouchSession(c, "acme", "s1", base.Add(time.Minute)); err != nil {
				return err
			}
			return s.DeleteSession(c, "acme", "ann", "s1")
		}, nil},
		{"an authorization code: none", func() error {
			if err := s.CreateAuthCode(c, "acme", sampleCode("code")); err != nil {
				return err
			}
			_, err := s.RedeemAuthCode(c, "acme", hash("code"), "fam", nil, base)
			return err
		}, nil},
		{"a consent: none", func() error {
			if err := s.PutConsent(c, "acme", &domain.Consent{UserID: "ann", ClientID: "app1"}); err != nil {
				return err
			}
			return s.DeleteConsent(c, "acme", "ann", "app1")
		}, nil},
		{"a read: none", func() error { _, err := s.GetUser(c, "acme", "ann"); return err }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := s.FeedPosition(c)
			ok(t, err)
			ok(t, tt.write())
			got, err := s.ChangesSince(c, before, 0)
			ok(t, err)
			eq(t, "changes", len(got), len(tt.want))
			for i, w := range tt.want {
				g := got[i]
				if g.Tenant != w.Tenant || g.Entity != w.Entity || g.ID != w.ID {
					t.Fatalf("change %d = %+v, want tenant %q entity %q id %q", i, g, w.Tenant, w.Entity, w.ID)
				}
				if g.Seq <= before || time.Since(g.At) > time.Minute {
					t.Fatalf("change %d = %+v: seq not after %d or time not now", i, g, before)
				}
			}
			pos, err := s.FeedPosition(c)
			ok(t, err)
			if len(got) > 0 {
				eq(t, "position", pos, got[len(got)-1].Seq)
			}
		})
	}
	t.Run("a follower reading during concurrent writes misses none", func(t *testing.T) {
		testFollowerMissesNone(t, s)
	})
	t.Run("purge after retention", func(t *testing.T) {
		ok(t, s.PutSetting(c, "k", "v2"))
		_, err := s.DeleteExpired(c, time.Now())
		ok(t, err)
		kept, err := s.ChangesSince(c, 0, 0)
		ok(t, err)
		if len(kept) == 0 {
			t.Fatal("DeleteExpired dropped changes younger than the retention")
		}
		_, err = s.DeleteExpired(c, time.Now().Add(domain.ChangeRetention+time.Minute))
		ok(t, err)
		left, err := s.ChangesSince(c, 0, 0)
		ok(t, err)
		eq(t, "changes left", len(left), 0)
	})
}

// testFollowerMissesNone has writers commit changes concurrently while a
// follower reads from its last seq, as nodes do. On PostgreSQL, without
// seq order equal to commit order the follower would skip a seq that a
// slower transaction committed after a faster one with a higher seq.
func testFollowerMissesNone(t *testing.T, s store.Store) {
	const writers, each = 6, 15
	start, err := s.FeedPosition(ctx(t))
	ok(t, err)
	c, cancel := context.WithCancel(ctx(t))
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := s.PutSetting(c, fmt.Sprintf("w%d-%d", w, i), "v"); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := map[int64]bool{}
	after := start
	for finished := false; ; {
		select {
		case <-done:
			finished = true
		default:
		}
		got, err := s.ChangesSince(c, after, 0)
		ok(t, err)
		for _, ch := range got {
			seen[ch.Seq] = true
			after = ch.Seq
		}
		if finished && len(got) == 0 {
			break
		}
	}
	close(errs)
	for err := range errs {
		ok(t, err)
	}
	all, err := s.ChangesSince(ctx(t), start, 0)
	ok(t, err)
	eq(t, "changes written", len(all), writers*each)
	for _, ch := range all {
		if !seen[ch.Seq] {
			t.Fatalf("the follower skipped seq %d", ch.Seq)
		}
	}
}
