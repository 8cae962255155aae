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

func secret(ref string, getenv func(string) string, dir string) (string, error) {
	switch {
	case strings.HasPrefix(ref, "env:"):
		name := strings.TrimPrefix(ref, "env:")
		v := getenv(name)
		if v == "" {
			return "", fmt.Errorf("environment variable %s is not set", name)
		}
		return v, nil
	case strings.HasPrefix(ref, "file:"):
		p := strings.TrimPrefix(ref, "file:")
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		return string(bytes.TrimRight(b, "\r\n")), nil
	}
	return "", errors.New("give the secret as env:NAME or file:PATH, not written out: the file is meant for version control")
}

// ToYAML writes an exported document (JSON) as YAML, keys sorted, so an
// unchanged tenant exports byte for byte the same.
func ToYAML(doc []byte) ([]byte, error) { return yaml.JSONToYAML(doc) }
