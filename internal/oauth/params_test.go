package oauth

import (
	"slices"
	"testing"
	"time"
)

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
				if code := errorCode(err); code != CodeInvalidTarget {
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
	tests := []struct {
		name     string
		validity string
		want     time.Duration
		wantErr  bool
	}{
		{name: "absent", validity: "", want: time.Hour},
		{name: "shortens", validity: "60", want: time.Minute},
		{name: "never lengthens", validity: "7200", want: time.Hour},
		{name: "equal to the maximum", validity: "3600", want: time.Hour},
		{name: "too large for a duration", validity: "9223372036854775807", want: time.Hour},
		{name: "zero", validity: "0", wantErr: true},
		{name: "negative", validity: "-5", wantErr: true},
		{name: "not a number", validity: "abc", wantErr: true},
		{name: "decimal", validity: "1.5", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := parseValidity(tc.validity)
			if tc.wantErr {
				if code := errorCode(err); code != CodeInvalidRequest {
					t.Fatalf("got %v, want invalid_request", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := lifetime(n, time.Hour); got != tc.want {
				t.Fatalf("lifetime = %v, want %v", got, tc.want)
			}
		})
	}
}
