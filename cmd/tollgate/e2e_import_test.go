package main

import (
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// aspnetV3Hash is an ASP.NET Core Identity v3 hash (PBKDF2-HMAC-SHA256,
// 10,000 iterations) of "Pa$$w0rd!", computed with Python's hashlib.
const aspnetV3Hash = "AQAAAAEAACcQAAAAEAECAwQFBgcICQoLDA0ODxBI5t3OjNG2frD4I8Qy+PuQ047ScXuQ0GRiq8yAm1P2vw=="

func legacyCSV(t *testing.T) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte("old-bcrypt-pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return "username,email,display_name,password,password_hash,roles\n" +
		"legacy.b,b@example.com,From bcrypt,," + string(h) + ",reader\n" +
		"legacy.net,net@example.com,From ASP.NET,," + aspnetV3Hash + ",reader\n" +
		"plain.pw,plain@example.com,Plain,plain-pw-1,,\n" +
		"broken,broken@,Broken,,,\n"
}

func (e *env) importCSV(body string) map[string]any {
	e.t.Helper()
	r := e.do("POST", "/api/v1/actions/users/import", "text/csv", body, "Bearer "+e.admin)
	if r.status != 200 {
		e.t.Fatalf("import: %d %s", r.status, r.raw)
	}
	return r.body["data"].(map[string]any)["attributes"].(map[string]any)
}

func TestImportLegacyHashesLogIn(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		data := legacyCSV(t)
		rep := e.importCSV(data)
		errs := rep["errors"].([]any)
		if rep["created"] != 3.0 || rep["failed"] != 1.0 || len(errs) != 1 || errs[0].(map[string]any)["line"] != 5.0 {
			t.Fatalf("report %v", rep)
		}
		again := e.importCSV(data)
		if again["created"] != 0.0 || again["updated"] != 0.0 || again["skipped"] != 3.0 {
			t.Fatalf("second import changed something: %v", again)
		}
		for user, pw := range map[string]string{"legacy.b": "old-bcrypt-pw", "legacy.net": "Pa$$w0rd!", "plain.pw": "plain-pw-1"} {
			f := url.Values{"grant_type": {"password"}, "username": {user}, "password": {pw}}
			if r := e.post("/token", f, e.clientID, e.clientSecret); r.status != 200 {
				t.Fatalf("%s with the imported password: %d %s", user, r.status, r.raw)
			}
			u, err := e.app.Store().GetUser(t.Context(), "default", user)
			if err != nil || !strings.HasPrefix(u.PasswordHash, "$argon2id$") || u.Source != "csv" {
				t.Fatalf("%s after login: %+v, %v; want an argon2id hash", user, u, err)
			}
		}
		// The sign-ins upgraded the imported hashes; the same file does
		// not put them back.
		if third := e.importCSV(data); third["updated"] != 0.0 || third["skipped"] != 3.0 {
			t.Fatalf("import after the hashes were upgraded: %v", third)
		}
		for _, user := range []string{"legacy.b", "legacy.net"} {
			if u, err := e.app.Store().GetUser(t.Context(), "default", user); err != nil || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
				t.Fatalf("%s after importing again: %+v, %v", user, u, err)
			}
		}
		if r := e.do("POST", "/api/v1/actions/users/import", "text/plain", data, "Bearer "+e.admin); r.status != 415 {
			t.Fatalf("non-CSV body: %d %s", r.status, r.raw)
		}
		if r := e.do("POST", "/api/v1/actions/users/import", "text/csv", "name,mail\nx,y\n", "Bearer "+e.admin); r.status != 400 {
			t.Fatalf("CSV without username column: %d %s", r.status, r.raw)
		}
	})
}

func TestImportCommand(t *testing.T) {
	e := startServer(t, "")
	t.Setenv("TOLLGATE_URL", e.base)
	t.Setenv("TOLLGATE_TOKEN", e.admin)
	dir := t.TempDir()
	path := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(path, []byte(legacyCSV(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	// Bad rows make the command fail, after the good ones were imported.
	out, err := run(t, "", "user", "import", "--csv", path, "--quiet")
	if err == nil || err.Error() != "1 rows failed; the others were imported" ||
		!strings.Contains(out, "created 3, updated 0, skipped 0 (unchanged), failed 1") ||
		!strings.Contains(out, `line 5 (broken): invalid email "broken@"`) {
		t.Fatalf("user import --csv: %v\n%s", err, out)
	}

	src := filepath.Join(dir, "legacy.db")
	db, err := sql.Open("sqlite", src)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE accounts (login TEXT, mail TEXT, note TEXT)`,
		`INSERT INTO accounts VALUES ('db.one', 'one@example.com', 'x'), ('db.two', 'not-an-email', 'y'),
			('db.three', 'three@example.com', 'multi
line')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	query := "SELECT login AS username, mail AS email, note AS display_name FROM accounts ORDER BY rowid"
	out, err = run(t, "", "user", "import", "--from-db", src, "--query", query, "--quiet")
	if err == nil || !strings.Contains(out, "created 1, updated 0, skipped 0 (unchanged), failed 2") ||
		!strings.Contains(out, "row 2 (db.two): invalid email") || !strings.Contains(out, "row 3 (db.three): a value contains a line break") {
		t.Fatalf("user import --from-db: %v\n%s", err, out)
	}
	if out, err := run(t, "", "user", "import", "--from-db", src, "--query", query, "--quiet", "-o", "json"); err == nil || !strings.Contains(out, `"failed": 2`) {
		t.Fatalf("user import -o json with bad rows: %v\n%s", err, out)
	}
	good := filepath.Join(dir, "good.csv")
	if err := os.WriteFile(good, []byte("username\nfine.one\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, "", "user", "import", "--csv", good, "--quiet"); err != nil {
		t.Fatalf("import without bad rows: %v\n%s", err, out)
	}
	if u, err := e.app.Store().GetUser(t.Context(), "default", "db.one"); err != nil || u.Source != "database" {
		t.Fatalf("db.one: %+v, %v", u, err)
	}
	for _, c := range []struct{ name, dsn, query, want string }{
		{"unreachable database", "postgres://u:pw@127.0.0.1:1/x?connect_timeout=2", "SELECT 1 AS username", "cannot reach the source database"},
		{"no username column", src, "SELECT login FROM accounts", `no "username" column`},
	} {
		if _, err := run(t, "", "user", "import", "--from-db", c.dsn, "--query", c.query, "--quiet"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func TestEmbedCommand(t *testing.T) {
	e := startServer(t, "")
	t.Setenv("TOLLGATE_URL", e.base)
	t.Setenv("TOLLGATE_TOKEN", e.admin)
	if _, err := run(t, "", "embed", "enable"); err == nil {
		t.Fatal("enable without a secret succeeded")
	}
	out, err := run(t, "", "embed", "secret")
	if err != nil || !strings.Contains(out, "tge_") {
		t.Fatalf("embed secret: %v\n%s", err, out)
	}
	secret := strings.Fields(strings.SplitN(out, "embedSecret:", 2)[1])[0]
	if out, err := run(t, "", "embed", "enable", "--scope", "orders:read"); err != nil || !strings.Contains(out, "true") {
		t.Fatalf("embed enable: %v\n%s", err, out)
	}
	if r := e.post("/oauth2/token", embedPlain("john.doe", secret), "", ""); r.status != 200 || r.str("scope") != "orders:read" {
		t.Fatalf("token with the CLI's secret: %d %s", r.status, r.raw)
	}
	if _, err := run(t, "", "embed", "disable"); err != nil {
		t.Fatal(err)
	}
	if r := e.post("/oauth2/token", embedPlain("john.doe", secret), "", ""); r.status != 400 {
		t.Fatalf("after disable: %d %s", r.status, r.raw)
	}
}
