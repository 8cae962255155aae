package adminapi_test

import (
	"context"
	"crypto/subtle"
	"fmt"
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/secret"
)

// TestPatchDuringSecretRotation: a PATCH of an application sent together
// with a secret rotation must not put the old secret back; the secret the
// rotation showed (once) is the one that works afterwards.
func TestPatchDuringSecretRotation(t *testing.T) {
	e := newEnv(t)
	tok := e.jwt("acme", "alice", "tollgate:admin")
	app := e.must(e.do("POST", "/acme/api/v1/entities/applications", tok,
		`{"data":{"type":"application","attributes":{"name":"shop"}}}`), 201).resource(t)
	self := "/acme/api/v1/entities/applications/" + app.ID
	for i := range 200 {
		var wg sync.WaitGroup
		var shown string
		wg.Add(2)
		go func() {
			defer wg.Done()
			e.must(e.do("PATCH", self, tok, fmt.Sprintf(`{"data":{"type":"application","attributes":{"name":"shop %d"}}}`, i)), 200)
		}()
		go func() {
			defer wg.Done()
			shown, _ = e.must(e.do("POST", self+"/secret", tok, ""), 200).resource(t).Attributes["clientSecret"].(string)
		}()
		wg.Wait()
		stored, err := e.st.GetApplication(context.Background(), "acme", app.ID)
		if err != nil {
			t.Fatal(err)
		}
		if subtle.ConstantTimeCompare(stored.SecretHash, secret.HashToken(shown)) != 1 {
			t.Fatalf("pair %d: the secret the rotation showed does not work any more", i)
		}
	}
}
