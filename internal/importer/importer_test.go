package importer_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/importer"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore/sqltest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// forEachStore runs f on a fresh SQLite store and, when enabled, on a
// fresh PostgreSQL database; both hold tenant "acme" with role "reader".
func forEachStore(t *testing.T, f func(t *testing.T, st store.Store)) {
	sqltest.ForEach(t, func(t *testing.T, st *sqlstore.Store) { f(t, seed(t, st)) })
}

// openStore opens a seeded store at dsn.
func openStore(t testing.TB, dsn string) store.Store { return seed(t, sqltest.Open(t, dsn)) }

func seed(t testing.TB, st store.Store) store.Store {
	t.Helper()
	ctx := context.Background()
	if err := st.CreateTenant(ctx, &domain.Tenant{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateRole(ctx, "acme", &domain.Role{ID: "reader", Scopes: []string{}}); err != nil {
		t.Fatal(err)
	}
	return st
}

func newImporter(st store.Store, source string) *importer.Importer {
	return &importer.Importer{Store: st, Hasher: secret.NewHasher(secret.Params{Memory: 64, Time: 1, Threads: 1}, 4, time.Second), Source: source}
}

func importCSV(t *testing.T, st store.Store, data string) *importer.Report {
	t.Helper()
	src, err := importer.NewCSVSource(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := newImporter(st, domain.SourceCSV).Import(t.Context(), "acme", src)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

var bcryptHash = func() string {
	h, _ := bcrypt.GenerateFromPassword([]byte("old-bcrypt-pw"), bcrypt.MinCost)
	return string(h)
}()

// badFile has one good row between each kind of bad row (DESIGN: a bad
// row never stops the good ones).
func badFile() string {
	return "username,email,display_name,password,password_hash,roles\n" + // 1
		"ann,ann@example.com,Ann,,," + bcryptHash + ",reader\n" + // 2: 7 fields
		"bob,bob@example.com,Bob,,,reader\n" + // 3: good
		"\"carl,carl@example.com,Carl,,,\n" + // 4: unterminated quote… swallows to a later quote
		"dan,dan@example.com,\"Dan \"the\" man\",,,\n" + // 5 (inside 4's quote)
		"eve,not-an-email,Eve,,,\n" + // 6
		"bob,bob2@example.com,Bob again,,,\n" + // 7: duplicate
		"fay,fay@example.com,Fay,,,admin;ghost\n" + // 8: unknown role
		"gus,gus@example.com,Gus,,$md5$abc,\n" + // 9: unrecognised hash
		"hal,hal@example.com,Hal,pw,$2b$10$x,\n" + // 10: both password and hash
		"ivy,ivy@example.com,Ivy,ivy-pw,,reader\n" + // 11: good, plaintext
		"jon,,Jon,,\"" + bcryptHash + "\",\n" // 12: good, bcrypt
}

func TestCSVBadRows(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		rep := importCSV(t, st, badFile())
		t.Logf("report: %+v", rep)
		lines := map[int]string{}
		for _, e := range rep.Errors {
			lines[e.Line] = e.Reason
		}
		for line, want := range map[int]string{
			2: "7 fields, the header has 6", 4: "malformed CSV", 7: "duplicate username; line 3", 8: `unknown role "ghost"`,
			9: "unrecognised format", 10: "not both",
		} {
			if !strings.Contains(lines[line], want) {
				t.Errorf("line %d: reason %q, want it to contain %q", line, lines[line], want)
			}
		}
		if rep.Created != 3 || rep.Failed != len(rep.Errors) {
			t.Errorf("created %d failed %d errors %d; want 3 created", rep.Created, rep.Failed, len(rep.Errors))
		}
		for _, id := range []string{"bob", "ivy", "jon"} {
			u, err := st.GetUser(t.Context(), "acme", id)
			if err != nil {
				t.Fatalf("good row %s not stored: %v", id, err)
			}
			if u.Source != domain.SourceCSV {
				t.Errorf("%s source %q", id, u.Source)
			}
		}
		for _, id := range []string{"ann", "eve", "fay", "gus", "hal"} {
			if _, err := st.GetUser(t.Context(), "acme", id); err == nil {
				t.Errorf("bad row %s was stored", id)
			}
		}
		again := importCSV(t, st, badFile())
		if again.Created != 0 || again.Updated != 0 || again.Skipped != 3 {
			t.Errorf("second import: %+v; want 3 skipped, nothing else", again)
		}
	})
}

func TestCSVUpdatesOnlyGivenColumns(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		importCSV(t, st, "username,email,display_name,roles\nkim,kim@example.com,Kim,reader\n")
		rep := importCSV(t, st, "username,display_name\nkim,Kimberly\n")
		if rep.Updated != 1 {
			t.Fatalf("report %+v, want 1 updated", rep)
		}
		u, _ := st.GetUser(t.Context(), "acme", "kim")
		if u.Email != "kim@example.com" || u.DisplayName != "Kimberly" || len(u.Roles) != 1 {
			t.Fatalf("user after partial update: %+v", u)
		}
	})
}

func TestCSVHeaderErrors(t *testing.T) {
	for name, data := range map[string]string{
		"empty":            "",
		"missing header":   "ann,ann@example.com\n",
		"unknown column":   "username,pasword\nann,x\n",
		"repeated column":  "username,email,EMAIL\n",
		"bad header quote": "\"username,email\n",
	} {
		if _, err := importer.NewCSVSource(strings.NewReader(data)); err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestSQLSource imports the same users from a SQLite and, when enabled, a
// PostgreSQL table; columns map by name, renamed with AS.
func TestSQLSource(t *testing.T) {
	ddl := []string{
		`CREATE TABLE accounts (login TEXT, mail TEXT, full_name TEXT, pw_hash TEXT, groups TEXT, n INTEGER)`,
		`INSERT INTO accounts VALUES ('ann', 'ann@example.com', 'Ann', '` + bcryptHash + `', 'reader', 1)`,
		`INSERT INTO accounts VALUES ('bob', NULL, 'Bob', NULL, '', 2)`,
		`INSERT INTO accounts VALUES ('bad', 'nope', 'Bad', NULL, '', 3)`,
	}
	query := `SELECT login AS username, mail AS email, full_name AS display_name, pw_hash AS password_hash,
		groups AS roles FROM accounts ORDER BY n`
	sources := map[string]func(t *testing.T) string{
		"sqlite source": func(t *testing.T) string {
			path := filepath.Join(t.TempDir(), "legacy.db")
			return "sqlite:" + path
		},
		"postgres source": func(t *testing.T) string { return pgtest.NewDatabase(t) },
	}
	for name, mk := range sources {
		t.Run(name, func(t *testing.T) {
			dsn := mk(t)
			seedSource(t, dsn, ddl)
			st := openStore(t, filepath.Join(t.TempDir(), "t.db"))
			for round, want := range []string{"created 2", "skipped 2"} {
				src, err := importer.OpenSQL(t.Context(), dsn, query)
				if err != nil {
					t.Fatal(err)
				}
				rep, err := newImporter(st, domain.SourceDatabase).Import(t.Context(), "acme", src)
				src.Close()
				if err != nil {
					t.Fatal(err)
				}
				got := fmt.Sprintf("created %d", rep.Created)
				if round == 1 {
					got = fmt.Sprintf("skipped %d", rep.Skipped)
				}
				if got != want || rep.Failed != 1 || rep.Errors[0].Line != 3 {
					t.Fatalf("round %d: %+v, want %s and row 3 failed", round, rep, want)
				}
			}
			u, err := st.GetUser(t.Context(), "acme", "ann")
			if err != nil || u.PasswordHash != bcryptHash || u.Source != domain.SourceDatabase || u.Roles[0] != "reader" {
				t.Fatalf("ann = %+v, %v", u, err)
			}
		})
	}
}

func seedSource(t *testing.T, dsn string, ddl []string) {
	t.Helper()
	driver, name := "sqlite", strings.TrimPrefix(dsn, "sqlite:")
	if strings.HasPrefix(dsn, "postgres") {
		driver, name = "pgx", dsn
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range ddl {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestSQLSourceErrors(t *testing.T) {
	dir := t.TempDir()
	good := "sqlite:" + filepath.Join(dir, "src.db")
	seedSource(t, good, []string{`CREATE TABLE t (login TEXT)`, `INSERT INTO t VALUES ('x')`})
	for _, c := range []struct{ name, dsn, query, want string }{
		{"unreachable postgres", "postgres://nobody:secret-pw@127.0.0.1:1/db?connect_timeout=2", "SELECT 1 AS username", "cannot reach the source database"},
		{"missing sqlite file", "sqlite:" + filepath.Join(dir, "missing.db"), "SELECT 1 AS username", "cannot reach the source database"},
		{"no username column", good, "SELECT login FROM t", `no "username" column`},
		{"failing query", good, "SELECT nope FROM t", "source query failed"},
		{"empty query", good, " ", "empty query"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := importer.OpenSQL(t.Context(), c.dsn, c.query)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if strings.Contains(err.Error(), "secret-pw") {
				t.Fatalf("error reveals the DSN's password: %v", err)
			}
		})
	}
}
