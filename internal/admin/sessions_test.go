package admin

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/audit"
	"github.com/tollgate-dev/tollgate/internal/domain"
)

// events records audit events.
type events struct {
	mu  sync.Mutex
	got []audit.Event
}

func (e *events) Record(ev audit.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, ev)
}

func (e *events) RecordDurable(_ context.Context, ev audit.Event) { e.Record(ev) }

func (e *events) actions() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.got {
		out = append(out, ev.Action+" "+ev.Target+" by "+ev.UserID)
	}
	return out
}

func TestSessionsAndConsents(t *testing.T) {
	f := newFixture(t, newSeed(t))
	ev := &events{}
	f.svc.events = ev
	ctx := context.Background()
	bob := Principal{Tenant: "acme", Subject: "bob"}

	ss, err := f.svc.ListSessions(ctx, bob, "acme", "Bob") // the user id as a URL may name it
	if err != nil || len(ss) != 1 || ss[0].ID != "s-bob" || ss[0].UserID != "bob" {
		t.Fatalf("bob's sessions: %+v, %v", ss, err)
	}
	// Another user's session is not found through one's own user.
	if err := f.svc.EndSession(ctx, bob, "acme", "bob", "s-carol"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("ending carol's session as bob's: %v", err)
	}
	if err := f.svc.EndSession(ctx, bob, "acme", "bob", "s-bob"); err != nil {
		t.Fatal(err)
	}
	if ss, _ := f.svc.ListSessions(ctx, bob, "acme", "bob"); len(ss) != 0 {
		t.Errorf("after logout: %+v", ss)
	}
	if n, err := f.svc.EndSessions(ctx, acmeAdmin, "acme", "carol"); err != nil || n != 1 {
		t.Errorf("end carol's sessions: %d, %v", n, err)
	}
	if n, err := f.svc.EndSessions(ctx, acmeAdmin, "acme", "carol"); err != nil || n != 0 {
		t.Errorf("end carol's sessions again: %d, %v", n, err)
	}
	if _, err := f.svc.ListSessions(ctx, acmeAdmin, "acme", "nobody"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("sessions of an unknown user: %v", err)
	}

	cs, err := f.svc.ListConsents(ctx, bob, "acme", "bob")
	if err != nil || len(cs) != 1 || cs[0].ClientID != f.appID {
		t.Fatalf("bob's consents: %+v, %v", cs, err)
	}
	if err := f.svc.RevokeConsent(ctx, bob, "acme", "bob", f.appID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RevokeConsent(ctx, bob, "acme", "bob", f.appID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("revoking twice: %v", err)
	}
	want := []string{"session.delete bob/s-bob by bob", "session.delete_all carol by alice", "session.delete_all carol by alice",
		"consent.delete bob/" + f.appID + " by bob"}
	if got := ev.actions(); len(got) != len(want) {
		t.Fatalf("audit events %q, want %q", got, want)
	} else {
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("audit event %d: %q, want %q", i, got[i], want[i])
			}
		}
	}
}
