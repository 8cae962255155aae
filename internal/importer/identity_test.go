package importer_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// TestReimportAfterRehash: a sign-in upgraded the imported bcrypt hash to
// argon2id; importing the same file again is no change and keeps the
// upgrade, while a different hash in the file is still applied.
func TestReimportAfterRehash(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		file := "username,password_hash\nann," + bcryptHash + "\nbob," + bcryptHash + "\n"
		if rep := importCSV(t, st, file); rep.Created != 2 {
			t.Fatalf("first import: %+v", rep)
		}
		hasher := secret.NewHasher(secret.Params{Memory: 64, Time: 1, Threads: 1}, 4, 0)
		for _, id := range []string{"ann", "bob"} { // what a sign-in's rehash does
			h, err := hasher.Hash(t.Context(), "old-bcrypt-pw")
			if err != nil {
				t.Fatal(err)
			}
			if err := st.SetPasswordHash(t.Context(), "acme", id, bcryptHash, h); err != nil {
				t.Fatal(err)
			}
		}
		if rep := importCSV(t, st, file); rep.Updated != 0 || rep.Skipped != 2 {
			t.Fatalf("same file again: %+v; want 2 skipped, 0 updated", rep)
		}
		for _, id := range []string{"ann", "bob"} {
			if u, _ := st.GetUser(t.Context(), "acme", id); !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
				t.Fatalf("%s's upgraded hash was replaced by %q", id, u.PasswordHash)
			}
		}
		other := "$2b$04$" + strings.Repeat("a", 53)
		if rep := importCSV(t, st, "username,password_hash\nann,"+other+"\n"); rep.Updated != 1 {
			t.Fatalf("a new hash in the file: %+v; want 1 updated", rep)
		}
		if u, _ := st.GetUser(t.Context(), "acme", "ann"); u.PasswordHash != other {
			t.Fatalf("ann's hash = %q, want the file's new one", u.PasswordHash)
		}
	})
}

// TestImportUsernamesNormalised: rows are users by their PRECIS name, so
// lookalikes in one file are duplicates, and a name PRECIS refuses is a
// bad row.
func TestImportUsernamesNormalised(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		rep := importCSV(t, st, "username,email\nＪohn.Doe,j@example.com\njohn.doe,j2@example.com\nann\u200blee,a@example.com\n")
		if rep.Created != 1 || rep.Failed != 2 {
			t.Fatalf("report %+v; want 1 created, 2 failed", rep)
		}
		if !strings.Contains(rep.Errors[0].Reason, "duplicate username; line 2") || !strings.Contains(rep.Errors[1].Reason, "PRECIS") {
			t.Fatalf("reasons: %+v", rep.Errors)
		}
		if u, err := st.GetUser(t.Context(), "acme", "john.doe"); err != nil || u.Email != "j@example.com" {
			t.Fatalf("john.doe = %+v, %v", u, err)
		}
	})
}

// TestReportEchoesAreCapped: a row with a huge value (1 MiB here; 30 MiB
// made a 31 MB report) makes a report line of a few hundred bytes, cut on
// a rune boundary and marked.
func TestReportEchoesAreCapped(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		huge := strings.Repeat("é", 1<<19) // 1 MiB of two-byte runes
		rep := importCSV(t, st, "username,email,roles\n"+huge+",x@example.com,\nann,"+huge+",\nbob,,"+huge+"\n")
		if rep.Failed != 3 {
			t.Fatalf("report %+v", rep.Errors)
		}
		for _, e := range rep.Errors {
			if len(e.Username)+len(e.Reason) > 1024 || !utf8.ValidString(e.Username) || !utf8.ValidString(e.Reason) ||
				!strings.Contains(e.Username+e.Reason, "…[truncated]") {
				t.Errorf("line %d: %d+%d bytes: %.300q / %.300q", e.Line, len(e.Username), len(e.Reason), e.Username, e.Reason)
			}
		}
	})
}
