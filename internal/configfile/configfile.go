// Package configfile reads configuration-as-code files: YAML (or JSON)
// documents, one per tenant, separated by "---" lines, whose secrets are
// references resolved here, by whoever reads the file, so that the file
// itself can live in git. The admin API applies each document
// (adminapi's config.go); export writes them back in the same form.
package configfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// Document is one tenant's configuration, as the admin API takes it.
type Document struct {
	Tenant string
	JSON   []byte
	Index  int // its place in the file, from 0
}

// secretAttributes are the write-only attributes of each collection,
// which a file gives by reference.
var secretAttributes = map[string][]string{
	"applications":      {"clientSecret"},
	"identityProviders": {"clientSecret"},
	"brokerProviders":   {"clientSecret", "password"},
}

var separator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// Load reads the file at path and resolves its secret references (env:
// from getenv, file: relative to the file's directory).
func Load(path string, getenv func(string) string) ([]Document, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	docs, err := Parse(raw, getenv, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return docs, nil
}

// Parse reads the documents of a file; dir is where file: references
// are relative to.
func Parse(raw []byte, getenv func(string) string, dir string) ([]Document, error) {
	var out []Document
	seen := map[string]bool{}
	for i, part := range separator.Split(string(raw), -1) {
		if strings.TrimSpace(stripComments(part)) == "" {
			continue
		}
		j, err := yaml.YAMLToJSON([]byte(part))
		if err != nil {
			return nil, fmt.Errorf("document %d: %v", i+1, err)
		}
		var doc map[string]any
		if err := json.Unmarshal(j, &doc); err != nil || doc == nil {
			return nil, fmt.Errorf("document %d: not a mapping", i+1)
		}
		tenant, _ := doc["tenant"].(string)
		if tenant == "" {
			return nil, fmt.Errorf("document %d: /tenant: required", i+1)
		}
		if seen[tenant] {
			return nil, fmt.Errorf("document %d: /tenant: tenant %s appears twice", i+1, tenant)
		}
		seen[tenant] = true
		if err := resolve(doc, getenv, dir); err != nil {
			return nil, fmt.Errorf("document %d (tenant %s): %w", i+1, tenant, err)
		}
		b, _ := json.Marshal(doc)
		out = append(out, Document{Tenant: tenant, JSON: b, Index: len(out)})
	}
	if len(out) == 0 {
		return nil, errors.New("no document")
	}
	return out, nil
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// resolve replaces each secret reference with the secret. A secret
// written out in the file is refused: the file is meant for git.
func resolve(doc map[string]any, getenv func(string) string, dir string) error {
	for member, names := range secretAttributes {
		items, _ := doc[member].([]any)
		for i, it := range items {
			item, _ := it.(map[string]any)
			for _, name := range names {
				ref, ok := item[name]
				if !ok {
					continue
				}
				pointer := fmt.Sprintf("/%s/%d/%s", member, i, name)
				s, isString := ref.(string)
				if !isString {
					return fmt.Errorf("%s: a reference, env:NAME or file:PATH", pointer)
				}
				v, err := secret(s, getenv, dir)
				if err != nil {
					return fmt.Errorf("%s: %w", pointer, err)
				}
				item[name] = v
			}
		}
	}
	return nil
}

// maxSecretFile bounds a file: reference's file: a secret is short.
const maxSecretFile = 64 << 10

// secret resolves one reference. Whoever can change the file is not
// thereby the server's operator, so a reference reaches neither the
// server's own settings (TOLLGATE_* variables: the bootstrap token) nor
// files outside the file's directory (the master key).
func secret(ref string, getenv func(string) string, dir string) (string, error) {
	switch {
	case strings.HasPrefix(ref, "env:"):
		name := strings.TrimPrefix(ref, "env:")
		if strings.HasPrefix(strings.ToUpper(name), "TOLLGATE_") {
			return "", fmt.Errorf("env:%s: the server's own TOLLGATE_ settings are not secrets a file may reference", name)
		}
		v := getenv(name)
		if v == "" {
			return "", fmt.Errorf("environment variable %s is not set", name)
		}
		return v, nil
	case strings.HasPrefix(ref, "file:"):
		return readSecretFile(dir, strings.TrimPrefix(ref, "file:"))
	}
	return "", errors.New("give the secret as env:NAME or file:PATH, not written out: the file is meant for version control")
}

// readSecretFile reads name, a path relative to dir that stays inside
// it (os.Root: no "..", no symbolic link out), at most maxSecretFile.
func readSecretFile(dir, name string) (string, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", err
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(name))
	if err != nil {
		return "", fmt.Errorf("file:%s: %w (a path relative to the configuration file, inside its directory)", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxSecretFile {
		return "", fmt.Errorf("file:%s: larger than %d bytes", name, maxSecretFile)
	}
	return string(bytes.TrimRight(b, "\r\n")), nil
}

// ToYAML writes an exported document (JSON) as YAML, keys sorted, so an
// unchanged tenant exports byte for byte the same.
func ToYAML(doc []byte) ([]byte, error) { return yaml.JSONToYAML(doc) }
