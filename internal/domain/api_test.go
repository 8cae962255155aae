package domain

import "testing"

func TestContextsClash(t *testing.T) {
	for _, tc := range []struct {
		a, b       string
		sameTenant bool
		want       bool
	}{
		{"/orders/v1", "/orders/v1", true, true},
		{"/Orders/v1", "/orders/v1", true, true},
		{"/orders/v1", "/ORDERS/V1", false, true},
		{"/orders", "/orders/v1", false, true},
		{"/orders/v1/items", "/Orders", false, true},
		{"/orders", "/orders/v1", true, false}, // one tenant may nest its own
		{"/orders/v1", "/orders/v10", false, false},
		{"/orders", "/ordersx", false, false},
		{"/a", "/b", false, false},
	} {
		if got := ContextsClash(tc.a, tc.b, tc.sameTenant); got != tc.want {
			t.Errorf("ContextsClash(%q, %q, same tenant %v) = %v, want %v", tc.a, tc.b, tc.sameTenant, got, tc.want)
		}
	}
}
