package oauth

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// TestTokenAudit: each token request leaves one event naming the tenant,
// grant, client and user it was for, and the reason of a refusal.
func TestTokenAudit(t *testing.T) {
	e := newTestEnv(t)
	tests := []struct {
		name string
		call call
		want domain.AuditEvent // Action and Time are not compared
	}{
		{name: "client_credentials issued", call: call{auth: webBasic(), form: values("grant_type", "client_credentials")},
			want: domain.AuditEvent{Tenant: "default", Grant: "client_credentials", ClientID: webClient, Outcome: domain.OutcomeSuccess}},
		{name: "wrong client secret", call: call{auth: basic(webClient, "x"), form: values("grant_type", "client_credentials")},
			want: domain.AuditEvent{Tenant: "default", Grant: "client_credentials", ClientID: webClient, Outcome: domain.OutcomeFailure, Reason: CodeInvalidClient}},
		{name: "wrong password names the user as sent", call: call{auth: webBasic(), form: passwordForm("John.Doe", "wrong")},
			want: domain.AuditEvent{Tenant: "default", Grant: "password", ClientID: webClient, UserID: "John.Doe", Outcome: domain.OutcomeFailure, Reason: CodeInvalidGrant}},
		{name: "password issued names the user", call: call{auth: webBasic(), form: passwordForm("John.Doe", testPassword)},
			want: domain.AuditEvent{Tenant: "default", Grant: "password", ClientID: webClient, UserID: "john.doe", Outcome: domain.OutcomeSuccess}},
		{name: "the client's tenant on the default tenant's paths", call: call{auth: basic(acmeClient, clientSecret), form: passwordForm("alice@acme", "wrong")},
			want: domain.AuditEvent{Tenant: "acme", Grant: "password", ClientID: acmeClient, UserID: "alice@acme", Outcome: domain.OutcomeFailure, Reason: CodeInvalidGrant}},
		{name: "embed issued names the embed application", call: call{form: embedForm("jane")},
			want: domain.AuditEvent{Tenant: "default", Grant: "embed_secret", ClientID: domain.EmbedApplicationID, UserID: "jane", Outcome: domain.OutcomeSuccess}},
		{name: "an unsupported grant_type is not recorded as a grant", call: call{auth: webBasic(), form: values("grant_type", "made-up")},
			want: domain.AuditEvent{Tenant: "default", ClientID: webClient, Outcome: domain.OutcomeFailure, Reason: CodeUnsupportedGrantType}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _ = e.token(t, tc.call)
			got := e.events.last(t)
			if got.Action != domain.ActionToken || got.Time.IsZero() {
				t.Fatalf("action %q at %v", got.Action, got.Time)
			}
			if got.RemoteAddr != "192.0.2.1" {
				t.Fatalf("remote address %q", got.RemoteAddr)
			}
			got.Action, got.Time, got.RemoteAddr = "", time.Time{}, ""
			if got != tc.want {
				t.Fatalf("event\n got %+v\nwant %+v", got, tc.want)
			}
			// Tokens for users are stored before the answer; the rest
			// is batched.
			wantDurable := got.Outcome == domain.OutcomeSuccess && got.Grant != domain.GrantClientCredentials
			if d := e.events.lastDurable(); d != wantDurable {
				t.Fatalf("stored at once: %v, want %v", d, wantDurable)
			}
		})
	}
	before := len(e.events.events)
	_, _ = e.token(t, call{tenant: "nosuch", auth: webBasic(), form: values("grant_type", "client_credentials")})
	if len(e.events.events) != before {
		t.Fatal("a request for a tenant that does not exist was recorded")
	}
}
