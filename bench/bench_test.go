package main

import (
	"testing"
	"time"
)

func TestJSONString(t *testing.T) {
	body := []byte(`{"access_token":"eyJ.a.b","token_type":"Bearer","refresh_token":"tgr_abc123","scope":"x"}`)
	if got, ok := jsonString(body, "refresh_token"); !ok || got != "tgr_abc123" {
		t.Errorf("refresh_token = %q, %v", got, ok)
	}
	if _, ok := jsonString(body, "id_token"); ok {
		t.Error("found a key that is not there")
	}
	if _, ok := jsonString([]byte(`{"refresh_token":"unterminated`), "refresh_token"); ok {
		t.Error("accepted an unterminated value")
	}
}

func TestCPUAccounting(t *testing.T) {
	if machineBusy() == 0 || procCPU("self", false) < 0 {
		t.Skip("no /proc")
	}
	a := takeCPU()
	// Burn CPU in this process: it must not count as other processes'.
	for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end); {
	}
	b := takeCPU()
	if b.local <= a.local {
		t.Errorf("own CPU did not grow: %v → %v", a.local, b.local)
	}
	if c := otherCores(a, b); c < 0 || c > 64 {
		t.Errorf("other cores = %v", c)
	}
}
