package oauth

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

func TestGrantedScopes(t *testing.T) {
	app := &domain.Application{Scopes: []string{"read", "write", "admin"}, DefaultScopes: []string{"read"}}
	tests := []struct {
		name      string
		requested string
		az        authorization
		want      []string
		wantCode  string
	}{
		{name: "nothing requested gives defaults", want: []string{"read"}},
		{name: "request intersected with app", requested: "read write other", want: []string{"read", "write"}},
		{name: "ceiling limits", requested: "read write", az: authorization{ceiling: []string{"write"}}, want: []string{"write"}},
		{name: "empty ceiling grants nothing", requested: "read", az: authorization{ceiling: []string{}}, wantCode: CodeInvalidScope},
		{name: "refresh fallback", az: authorization{fallback: []string{"write"}}, want: []string{"write"}},
		{name: "default means the defaults", requested: "default", want: []string{"read"}},
		{name: "default on refresh keeps the grant", requested: "default", az: authorization{fallback: []string{"write"}}, want: []string{"write"}},
		{name: "default among others is a name", requested: "default write", want: []string{"write"}},
		{name: "duplicates collapse", requested: "read read", want: []string{"read"}},
		{name: "malformed scope", requested: "read \"x", wantCode: CodeInvalidScope},
		{name: "nothing grantable", requested: "other", wantCode: CodeInvalidScope},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := grantedScopes(tc.requested, app, &tc.az)
			if tc.wantCode != "" {
				var oe *Error
				if !errors.As(err, &oe) || oe.Code != tc.wantCode {
					t.Fatalf("got %v, want %s", err, tc.wantCode)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("got %v %v, want %v", got, err, tc.want)
			}
		})
	}
}

func TestAudience(t *testing.T) {
	tests := []struct {
		name      string
		resources []string
		original  []string
		want      []string
		wantErr   bool
	}{
		{name: "none defaults to client", want: []string{"client"}},
		{name: "resources sorted and deduplicated", resources: []string{"https://b", "https://a", "https://b"}, want: []string{"https://a", "https://b"}},
		{name: "urn accepted", resources: []string{"urn:example:api"}, want: []string{"urn:example:api"}},
		{name: "relative refused", resources: []string{"/api"}, wantErr: true},
		{name: "fragment refused", resources: []string{"https://a/#x"}, wantErr: true},
		{name: "refresh keeps original", original: []string{"https://a"}, want: []string{"https://a"}},
		{name: "refresh may narrow", resources: []string{"https://a"}, original: []string{"https://a", "https://b"}, want: []string{"https://a"}},
		{name: "refresh may not widen", resources: []string{"https://c"}, original: []string{"https://a"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := audience(tc.resources, tc.original, "client")
			if tc.wantErr {
				var oe *Error
				if !errors.As(err, &oe) || oe.Code != CodeInvalidTarget {
					t.Fatalf("got %v, want invalid_target", err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("got %v %v, want %v", got, err, tc.want)
			}
		})
	}
}

func TestLifetime(t *testing.T) {
	for _, tc := range []struct {
		validity string
		want     time.Duration
		wantErr  bool
	}{
		{"", time.Hour, false},
		{"60", time.Minute, false},
		{"7200", time.Hour, false}, // never lengthens
		{"0", 0, true},
		{"-5", 0, true},
		{"abc", 0, true},
	} {
		got, err := lifetime(tc.validity, time.Hour)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("lifetime(%q) = %v, %v; want %v, err=%v", tc.validity, got, err, tc.want, tc.wantErr)
		}
	}
}
