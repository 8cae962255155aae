package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

func sampleSession(id, user string, created time.Time) *domain.Session {
	return &domain.Session{ID: id, Hash: hash("cookie-" + id), UserID: user,
		Methods: []string{domain.AMRPassword, domain.AMRFederated}, AuthTime: created.Add(-time.Second),
		CreatedAt: created, LastSeenAt: created, ExpiresAt: created.Add(12 * time.Hour)}
}

// signinUsers creates tenants acme and other, each with users john and
// jane.
func signinUsers(t *testing.T, s store.Store) {
	t.Helper()
	for _, tenant := range []string{"acme", "other"} {
		newTenant(t, s, tenant)
		defineSamples(t, s, tenant)
		for _, u := range []string{"john", "jane"} {
			ok(t, s.CreateUser(ctx(t), tenant, sampleUser(u)))
		}
	}
}

// testSessions pins browser sessions: lookup by hash, idle and absolute
// expiry, touch, list, deletes, the cascade from users, tenant isolation
// and the purge.
func testSessions(t *testing.T, s store.Store) {
	c, idle := ctx(t), 30*time.Minute
	signinUsers(t, s)
	in := sampleSession("s1", "john", base)
	ok(t, s.CreateSession(c, "acme", in))
	eq(t, "Tenant after create", in.Tenant, "acme")

	got, err := s.GetSession(c, "acme", hash("cookie-s1"), idle, base.Add(time.Minute))
	ok(t, err)
	eq(t, "Tenant", got.Tenant, "acme")
	eq(t, "ID", got.ID, "s1")
	eq(t, "Hash", string(got.Hash), string(hash("cookie-s1")))
	eq(t, "UserID", got.UserID, "john")
	eqList(t, "Methods", got.Methods, []string{domain.AMRPassword, domain.AMRFederated})
	eqTime(t, "AuthTime", got.AuthTime, base.Add(-time.Second))
	eqTime(t, "CreatedAt", got.CreatedAt, base)
	eqTime(t, "LastSeenAt", got.LastSeenAt, base)
	eqTime(t, "ExpiresAt", got.ExpiresAt, base.Add(12*time.Hour))

	t.Run("create refusals", func(t *testing.T) {
		isErr(t, s.CreateSession(c, "acme", sampleSession("s1", "jane", base)), domain.ErrConflict)
		dup := sampleSession("s1-copy", "jane", base)
		dup.Hash = hash("cookie-s1")
		isErr(t, s.CreateSession(c, "acme", dup), domain.ErrConflict)
		isErr(t, s.CreateSession(c, "acme", sampleSession("s9", "ghost", base)), domain.ErrNotFound)
		isErr(t, s.CreateSession(c, "ghost", sampleSession("s9", "john", base)), domain.ErrNotFound)
	})
	t.Run("unknown hash", func(t *testing.T) {
		_, err := s.GetSession(c, "acme", hash("cookie-none"), idle, base)
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("bootstrap session: of no user", func(t *testing.T) {
		b := sampleSession("boot", "", base)
		b.Bootstrap, b.Methods = true, []string{domain.AMRBootstrap}
		ok(t, s.CreateSession(c, "acme", b))
		got, err := s.GetSession(c, "acme", hash("cookie-boot"), idle, base.Add(time.Minute))
		ok(t, err)
		eq(t, "Bootstrap", got.Bootstrap, true)
		eq(t, "UserID", got.UserID, "")
		other, err := s.GetSession(c, "acme", hash("cookie-s1"), idle, base.Add(time.Minute))
		ok(t, err)
		eq(t, "a user's session is no bootstrap session", other.Bootstrap, false)
		isErr(t, s.DeleteSession(c, "acme", "john", "boot"), domain.ErrNotFound)
		ok(t, s.DeleteSession(c, "acme", "", "boot"))
		_, err = s.GetSession(c, "acme", hash("cookie-boot"), idle, base.Add(time.Minute))
		isErr(t, err, domain.ErrNotFound)
		// A user's session is not ended as a bootstrap session.
		isErr(t, s.DeleteSession(c, "acme", "", "s1"), domain.ErrNotFound)
	})
	t.Run("idle expiry", func(t *testing.T) {
		_, err := s.GetSession(c, "acme", hash("cookie-s1"), idle, base.Add(idle-time.Second))
		ok(t, err)
		_, err = s.GetSession(c, "acme", hash("cookie-s1"), idle, base.Add(idle))
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetSession(c, "acme", hash("cookie-s1"), 0, base.Add(5*time.Hour))
		ok(t, err) // idle 0: no idle timeout
	})
	t.Run("absolute expiry", func(t *testing.T) {
		_, err := s.GetSession(c, "acme", hash("cookie-s1"), 0, base.Add(12*time.Hour-time.Second))
		ok(t, err)
		_, err = s.GetSession(c, "acme", hash("cookie-s1"), 0, base.Add(12*time.Hour))
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("touch", func(t *testing.T) {
		ok(t, s.TouchSession(c, "acme", "s1", base.Add(time.Hour)))
		got, err := s.GetSession(c, "acme", hash("cookie-s1"), idle, base.Add(time.Hour+idle-time.Second))
		ok(t, err)
		eqTime(t, "LastSeenAt", got.LastSeenAt, base.Add(time.Hour))
		isErr(t, s.TouchSession(c, "acme", "ghost", base), domain.ErrNotFound)
	})
	t.Run("list: live sessions, newest first, the tenant's idle timeout", func(t *testing.T) {
		ok(t, s.CreateSession(c, "acme", sampleSession("s2", "john", base.Add(time.Minute))))
		ok(t, s.CreateSession(c, "acme", sampleSession("s3", "john", base.Add(2*time.Minute))))
		ok(t, s.TouchSession(c, "acme", "s3", base.Add(time.Hour)))
		ok(t, s.CreateSession(c, "acme", sampleSession("j1", "jane", base)))
		list := func(now time.Time) []string {
			l, err := s.ListSessions(c, "acme", "john", now)
			ok(t, err)
			return ids(l, func(x domain.Session) string { return x.ID })
		}
		eqList(t, "sessions at base+10m", list(base.Add(10*time.Minute)), []string{"s3", "s2", "s1"})
		// s2 was last seen at base+1m: idle past the default 30 minutes.
		eqList(t, "sessions at base+1h10m", list(base.Add(70*time.Minute)), []string{"s3", "s1"})
		_, err := s.UpdateTenant(c, "acme", func(x *domain.Tenant) error { x.SessionIdleTimeout = 2 * time.Hour; return nil })
		ok(t, err)
		eqList(t, "sessions with a 2h idle timeout", list(base.Add(70*time.Minute)), []string{"s3", "s2", "s1"})
		l, err := s.ListSessions(c, "acme", "john", base.Add(10*time.Minute))
		ok(t, err)
		eq(t, "Tenant of listed", l[0].Tenant, "acme")
		eq(t, "Hash of listed", string(l[0].Hash), string(hash("cookie-s3")))
		eqTime(t, "LastSeenAt of listed", l[0].LastSeenAt, base.Add(time.Hour))
		// s1 and s2 reach their max age at base+12h and base+12h+1m.
		ok(t, s.TouchSession(c, "acme", "s3", base.Add(11*time.Hour)))
		eqList(t, "sessions past their max age", list(base.Add(12*time.Hour+time.Minute)), []string{"s3"})
	})
	t.Run("wrong tenant", func(t *testing.T) {
		_, err := s.GetSession(c, "other", hash("cookie-s1"), 0, base)
		isErr(t, err, domain.ErrNotFound)
		isErr(t, s.TouchSession(c, "other", "s1", base.Add(2*time.Hour)), domain.ErrNotFound)
		isErr(t, s.DeleteSession(c, "other", "john", "s1"), domain.ErrNotFound)
		l, err := s.ListSessions(c, "other", "john", base)
		ok(t, err)
		eq(t, "sessions of john in other", len(l), 0)
		n, err := s.DeleteUserSessions(c, "other", "john")
		ok(t, err)
		eq(t, "deleted in other", n, int64(0))
		got, err := s.GetSession(c, "acme", hash("cookie-s1"), 0, base)
		ok(t, err)
		eqTime(t, "LastSeenAt untouched", got.LastSeenAt, base.Add(time.Hour))
		// The same id and cookie hash in another tenant are another session.
		ok(t, s.CreateSession(c, "other", sampleSession("s1", "john", base)))
	})
	t.Run("delete one", func(t *testing.T) {
		isErr(t, s.DeleteSession(c, "acme", "jane", "s1"), domain.ErrNotFound) // not hers
		ok(t, s.DeleteSession(c, "acme", "john", "s1"))
		_, err := s.GetSession(c, "acme", hash("cookie-s1"), 0, base)
		isErr(t, err, domain.ErrNotFound)
		isErr(t, s.DeleteSession(c, "acme", "john", "s1"), domain.ErrNotFound)
		_, err = s.GetSession(c, "other", hash("cookie-s1"), 0, base)
		ok(t, err)
	})
	t.Run("delete all of a user", func(t *testing.T) {
		n, err := s.DeleteUserSessions(c, "acme", "john")
		ok(t, err)
		eq(t, "deleted", n, int64(2))
		_, err = s.GetSession(c, "acme", hash("cookie-s2"), 0, base)
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetSession(c, "acme", hash("cookie-j1"), 0, base)
		ok(t, err) // jane's stays
	})
	t.Run("deleting the user ends their sessions", func(t *testing.T) {
		ok(t, s.DeleteUser(c, "acme", "jane"))
		_, err := s.GetSession(c, "acme", hash("cookie-j1"), 0, base)
		isErr(t, err, domain.ErrNotFound)
		ok(t, s.CreateUser(c, "acme", sampleUser("jane")))
		l, err := s.ListSessions(c, "acme", "jane", base)
		ok(t, err)
		eq(t, "sessions of the new jane", len(l), 0)
	})
	t.Run("DeleteExpired purges expired and idle sessions", func(t *testing.T) {
		newTenant(t, s, "purge")
		defineSamples(t, s, "purge")
		ok(t, s.CreateUser(c, "purge", sampleUser("john")))
		now := base.Add(24 * time.Hour)
		expired := sampleSession("expired", "john", base) // max age over at base+12h
		idleOne := sampleSession("idle", "john", now.Add(-time.Hour))
		live := sampleSession("live", "john", now.Add(-time.Minute))
		for _, x := range []*domain.Session{expired, idleOne, live} {
			ok(t, s.CreateSession(c, "purge", x))
		}
		n, err := s.DeleteExpired(c, now)
		ok(t, err)
		if n < 2 {
			t.Fatalf("DeleteExpired removed %d rows, want at least the 2 expired sessions", n)
		}
		for _, x := range []*domain.Session{expired, idleOne} {
			ok(t, s.CreateSession(c, "purge", x)) // no conflict: the row is gone
		}
		isErr(t, s.CreateSession(c, "purge", live), domain.ErrConflict)
	})
}

func sampleCode(code string) *domain.AuthCode {
	return &domain.AuthCode{Hash: hash(code), ClientID: "app1", UserID: "john", SessionID: "s1",
		RedirectURI: "https://app.example.com/cb", CodeChallenge: "challenge-" + code, Nonce: "nonce-" + code,
		Scopes: []string{domain.ScopeOpenID, "a"}, Resources: []string{"https://api.example.com"},
		Methods: []string{domain.AMRPassword}, AuthTime: base.Add(-time.Minute), CreatedAt: base,
		ExpiresAt: base.Add(domain.AuthCodeTTL)}
}

// testAuthCodes pins authorization codes: one redemption, the replay,
// expiry, concurrent redeemers on one code, tenant isolation and the purge.
func testAuthCodes(t *testing.T, s store.Store) {
	c, now := ctx(t), base.Add(10*time.Second)
	signinUsers(t, s)
	ok(t, s.CreateAuthCode(c, "acme", sampleCode("c1")))
	isErr(t, s.CreateAuthCode(c, "acme", sampleCode("c1")), domain.ErrConflict)
	isErr(t, s.CreateAuthCode(c, "ghost", sampleCode("c1")), domain.ErrNotFound)

	got, err := s.RedeemAuthCode(c, "acme", hash("c1"), "fam-1", nil, now)
	ok(t, err)
	want := sampleCode("c1")
	eq(t, "Tenant", got.Tenant, "acme")
	eq(t, "Hash", string(got.Hash), string(want.Hash))
	eq(t, "ClientID", got.ClientID, want.ClientID)
	eq(t, "UserID", got.UserID, want.UserID)
	eq(t, "SessionID", got.SessionID, want.SessionID)
	eq(t, "RedirectURI", got.RedirectURI, want.RedirectURI)
	eq(t, "CodeChallenge", got.CodeChallenge, want.CodeChallenge)
	eq(t, "Nonce", got.Nonce, want.Nonce)
	eqList(t, "Scopes", got.Scopes, want.Scopes)
	eqList(t, "Resources", got.Resources, want.Resources)
	eqList(t, "Methods", got.Methods, want.Methods)
	eqTime(t, "AuthTime", got.AuthTime, want.AuthTime)
	eqTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	eqTime(t, "ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	eq(t, "FamilyID", got.FamilyID, "fam-1")

	t.Run("second redemption: reused, with the first family", func(t *testing.T) {
		again, err := s.RedeemAuthCode(c, "acme", hash("c1"), "fam-2", nil, now.Add(time.Second))
		isErr(t, err, domain.ErrTokenReused)
		if again == nil {
			t.Fatal("a reused code came back nil")
		}
		eq(t, "FamilyID", again.FamilyID, "fam-1")
		eq(t, "UserID", again.UserID, "john")
		_, err = s.RedeemAuthCode(c, "acme", hash("c1"), "fam-3", nil, now.Add(2*time.Second))
		isErr(t, err, domain.ErrTokenReused)
	})
	t.Run("expired", func(t *testing.T) {
		ok(t, s.CreateAuthCode(c, "acme", sampleCode("c2")))
		_, err := s.RedeemAuthCode(c, "acme", hash("c2"), "fam", nil, base.Add(domain.AuthCodeTTL))
		isErr(t, err, domain.ErrNotFound)
		// Redeemed, then expired: no longer told apart from unknown.
		_, err = s.RedeemAuthCode(c, "acme", hash("c1"), "fam", nil, base.Add(domain.AuthCodeTTL))
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("unknown", func(t *testing.T) {
		_, err := s.RedeemAuthCode(c, "acme", hash("nope"), "fam", nil, now)
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("wrong tenant", func(t *testing.T) {
		ok(t, s.CreateAuthCode(c, "acme", sampleCode("c3")))
		_, err := s.RedeemAuthCode(c, "other", hash("c3"), "fam-other", nil, now)
		isErr(t, err, domain.ErrNotFound)
		got, err := s.RedeemAuthCode(c, "acme", hash("c3"), "fam-acme", nil, now)
		ok(t, err)
		eq(t, "FamilyID", got.FamilyID, "fam-acme")
		_, err = s.RedeemAuthCode(c, "other", hash("c3"), "fam-other", nil, now)
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("with the family's first refresh token", func(t *testing.T) {
		firstOf := func(name string) *domain.RefreshToken {
			return &domain.RefreshToken{Hash: hash(name), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		}
		plain := sampleCode("c5")
		plain.Resources = nil
		for i, code := range []*domain.AuthCode{sampleCode("c4"), plain} {
			ok(t, s.CreateAuthCode(c, "acme", code))
			name := fmt.Sprintf("rt-of-code-%d", i)
			_, err := s.RedeemAuthCode(c, "acme", code.Hash, "fam-"+name, firstOf(name), now)
			ok(t, err)
			rt, err := s.GetRefreshToken(c, "acme", hash(name), now)
			ok(t, err)
			eq(t, "FamilyID", rt.FamilyID, "fam-"+name)
			eq(t, "ClientID", rt.ClientID, code.ClientID)
			eq(t, "Subject", rt.Subject, code.UserID)
			eqList(t, "Scopes", rt.Scopes, code.Scopes)
			wantAud := code.Resources
			if len(wantAud) == 0 {
				wantAud = []string{code.ClientID}
			}
			eqList(t, "Audience", rt.Audience, wantAud)
			// A replay stores nothing.
			_, err = s.RedeemAuthCode(c, "acme", code.Hash, "fam-again", firstOf(name+"-again"), now)
			isErr(t, err, domain.ErrTokenReused)
			_, err = s.GetRefreshToken(c, "acme", hash(name+"-again"), now)
			isErr(t, err, domain.ErrNotFound)
		}
		_, err := s.RedeemAuthCode(c, "acme", hash("nope"), "fam", firstOf("rt-of-nothing"), now)
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetRefreshToken(c, "acme", hash("rt-of-nothing"), now)
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("concurrent redeemers: exactly one wins", func(t *testing.T) {
		for round := range 5 {
			code := fmt.Sprintf("race-%d", round)
			ok(t, s.CreateAuthCode(c, "acme", sampleCode(code)))
			got := make([]*domain.AuthCode, workers)
			errs := race(func(i int) error {
				var err error
				got[i], err = s.RedeemAuthCode(c, "acme", hash(code), fmt.Sprintf("fam-%d", i), nil, now)
				return err
			})
			eq(t, "winners of "+code, tally(t, errs, domain.ErrTokenReused), 1)
			winner := ""
			for i, err := range errs {
				if err == nil {
					winner = fmt.Sprintf("fam-%d", i)
					eq(t, "winner's FamilyID", got[i].FamilyID, winner)
				}
			}
			for i, err := range errs {
				if err != nil {
					eq(t, "loser's FamilyID", got[i].FamilyID, winner)
				}
			}
		}
	})
	t.Run("DeleteExpired purges expired codes, redeemed or not", func(t *testing.T) {
		newTenant(t, s, "purge")
		ok(t, s.CreateAuthCode(c, "purge", sampleCode("used")))
		_, err := s.RedeemAuthCode(c, "purge", hash("used"), "fam", nil, now)
		ok(t, err)
		ok(t, s.CreateAuthCode(c, "purge", sampleCode("unused")))
		live := sampleCode("live")
		live.ExpiresAt = base.Add(time.Hour)
		ok(t, s.CreateAuthCode(c, "purge", live))
		n, err := s.DeleteExpired(c, base.Add(domain.AuthCodeTTL))
		ok(t, err)
		if n < 2 {
			t.Fatalf("DeleteExpired removed %d rows, want at least the 2 expired codes", n)
		}
		ok(t, s.CreateAuthCode(c, "purge", sampleCode("used"))) // no conflict: the row is gone
		ok(t, s.CreateAuthCode(c, "purge", sampleCode("unused")))
		isErr(t, s.CreateAuthCode(c, "purge", live), domain.ErrConflict)
	})
}
