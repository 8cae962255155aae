package importer_test

import (
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/importer"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// TestCSVRowRules: rows whose username a URL path would lose, and
// plaintext passwords under the minimum length, fail on their own; an
// imported hash is exempt from the length, and the good rows go in.
func TestCSVRowRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		src, err := importer.NewCSVSource(strings.NewReader("username,password,password_hash\n" + // 1
			"..,long-enough-pw,\n" + // 2
			".,long-enough-pw,\n" + // 3
			"50%off,long-enough-pw,\n" + // 4
			"short,1234567,\n" + // 5: seven characters
			"runes,äääääää,\n" + // 6: seven characters in fourteen bytes
			"hashed,," + bcryptHash + "\n" + // 7: a hash, whatever its password
			"good,pässwörd,\n")) // 8: eight characters
		if err != nil {
			t.Fatal(err)
		}
		im := newImporter(st, domain.SourceCSV)
		im.PasswordMinLength = 8
		rep, err := im.Import(t.Context(), "acme", src)
		if err != nil {
			t.Fatal(err)
		}
		lines := map[int]string{}
		for _, e := range rep.Errors {
			lines[e.Line] = e.Reason
		}
		for line, want := range map[int]string{2: `".."`, 3: `"."`, 4: `"50%off"`, 5: "at least 8 characters", 6: "at least 8 characters"} {
			if !strings.Contains(lines[line], want) {
				t.Errorf("line %d: reason %q, want it to contain %q", line, lines[line], want)
			}
		}
		if rep.Created != 2 || rep.Failed != 5 {
			t.Errorf("report %+v, want 2 created and 5 failed", rep)
		}
		for _, id := range []string{"hashed", "good"} {
			if _, err := st.GetUser(t.Context(), "acme", id); err != nil {
				t.Errorf("good row %s: %v", id, err)
			}
		}
	})
}
