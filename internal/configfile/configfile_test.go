package configfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReferences(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "backend.secret"), []byte("s3cret-from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"BACKEND": "s3cret-from-env", "TOLLGATE_BOOTSTRAP_TOKEN": "boot"}
	getenv := func(k string) string { return env[k] }
	doc := func(ref string) []byte {
		return []byte("tenant: acme\napplications:\n- id: backend\n  clientSecret: " + ref + "\n")
	}
	for ref, want := range map[string]string{"env:BACKEND": "s3cret-from-env", "file:backend.secret": "s3cret-from-a-file"} {
		docs, err := Parse(doc(ref), getenv, dir)
		if err != nil || !strings.Contains(string(docs[0].JSON), `"clientSecret":"`+want+`"`) {
			t.Errorf("%s: %v %v", ref, err, docs)
		}
	}
	for ref, want := range map[string]string{
		"hunter2":                      "not written out",
		"env:NOPE":                     "NOPE is not set",
		"env:TOLLGATE_BOOTSTRAP_TOKEN": "TOLLGATE_",
		"file:../outside":              "inside its directory",
		"file:" + filepath.Join(dir, "backend.secret"): "inside its directory",
	} {
		_, err := Parse(doc(ref), getenv, dir)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "/applications/0/clientSecret") {
			t.Errorf("%s: %v, want %q", ref, err, want)
		}
	}
	docs, err := Parse([]byte("# two tenants\ntenant: a\n---\ntenant: b\nscopes: []\n---\n# nothing\n"), getenv, dir)
	if err != nil || len(docs) != 2 || docs[1].Tenant != "b" {
		t.Fatalf("two documents: %v %v", docs, err)
	}
	if _, err := Parse([]byte("tenant: a\n---\ntenant: a\n"), getenv, dir); err == nil {
		t.Fatal("one tenant twice accepted")
	}
}
