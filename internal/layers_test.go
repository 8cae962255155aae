// Package internal_test pins which way the imports point
// (docs/ARCHITECTURE.md, "The rule of the layout"), so that an import in
// the wrong direction fails the tests instead of waiting for a review.
package internal_test

import (
	"errors"
	"go/build"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/tollgate-dev/tollgate"

// A pattern names a package by its path in the module
// ("internal/admin"); a trailing "/..." also names every package below.
func matches(pattern, pkg string) bool {
	if dir, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == dir || strings.HasPrefix(pkg, dir+"/")
	}
	return pkg == pattern
}

func matchesAny(patterns []string, pkg string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return matches(p, pkg) })
}

// graph holds every package of the module with its imports of other
// packages of the module, test files aside.
type graph map[string][]string

func loadGraph(t *testing.T) graph {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	g := graph{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
			return filepath.SkipDir
		}
		p, err := build.Default.ImportDir(path, 0)
		var noGo *build.NoGoError
		if errors.As(err, &noGo) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		var ours []string
		for _, imp := range p.Imports {
			if r, ok := strings.CutPrefix(imp, module+"/"); ok {
				ours = append(ours, r)
			}
		}
		g[filepath.ToSlash(rel)] = ours
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// deps returns the packages of the module pkg imports, directly or not,
// each with the chain of imports that leads to it.
func (g graph) deps(pkg string) map[string][]string {
	chains := map[string][]string{}
	var visit func(p string, chain []string)
	visit = func(p string, chain []string) {
		for _, imp := range g[p] {
			if _, seen := chains[imp]; seen {
				continue
			}
			c := append(slices.Clip(chain), imp)
			chains[imp] = c
			visit(imp, c)
		}
	}
	visit(pkg, []string{pkg})
	return chains
}

func TestLayers(t *testing.T) {
	g := loadGraph(t)
	tests := []struct {
		name   string
		pkgs   []string // the packages the rule is about
		except []string // packages of pkgs it is not about
		// only, when not nil, lists every package of ours they may
		// depend on; not lists packages they must not depend on.
		only []string
		not  []string
	}{
		{name: "domain imports nothing of ours",
			pkgs: []string{"internal/domain"}, only: []string{}},
		{name: "store is an interface over domain",
			pkgs: []string{"internal/store"}, only: []string{"internal/domain"}},
		{name: "the JSON:API wire format is shared with the CLI, so it knows no server package",
			pkgs: []string{"internal/httpapi/jsonapi"}, only: []string{"internal/domain"}},
		{name: "the gateway feed's wire format is shared with the remote gateway, so it knows no server package",
			pkgs: []string{"internal/gateway/feedwire"}, only: []string{"internal/domain"}},
		{name: "the CLI's admin client speaks HTTP and imports no server package",
			pkgs: []string{"internal/adminclient"}, only: []string{"internal/domain", "internal/httpapi/jsonapi"}},
		{name: "the admin API takes the feed's wire types from feedwire, not from the remote gateway",
			pkgs: []string{"internal/httpapi/adminapi"}, not: []string{"internal/gateway/remote"}},
		{name: "admin reads no HTTP header: the admin API hands it the bearer token",
			pkgs: []string{"internal/admin"}, not: []string{"internal/authheader"}},
		{name: "use cases and protocols know nothing of the HTTP layer or the CLI",
			pkgs: []string{"internal/admin", "internal/oauth", "internal/gateway/...", "internal/token", "internal/apitoken",
				"internal/importer", "internal/audit", "internal/secret", "internal/cache", "internal/store/..."},
			not: []string{"internal/httpapi/...", "internal/adminclient", "cmd/..."}},
		{name: "only the server package (and cmd) picks the store implementation",
			pkgs: []string{"internal/..."}, except: []string{"internal/store/sqlstore/...", "internal/server"},
			not: []string{"internal/store/sqlstore"}},
		{name: "the change feed's follower knows only the domain (and the loop helper)",
			pkgs: []string{"internal/feed"}, only: []string{"internal/domain", "internal/every"}},
		{name: "the browser-test helper is for tests only, so chromedp stays out of the binaries",
			pkgs: []string{"internal/...", "cmd/..."}, except: []string{"internal/browsertest"},
			not: []string{"internal/browsertest"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checked := 0
			for _, pkg := range slices.Sorted(maps.Keys(g)) {
				if !matchesAny(tc.pkgs, pkg) || matchesAny(tc.except, pkg) {
					continue
				}
				checked++
				deps := g.deps(pkg)
				for _, dep := range slices.Sorted(maps.Keys(deps)) {
					chain := deps[dep]
					if (tc.only != nil && !matchesAny(tc.only, dep)) || matchesAny(tc.not, dep) {
						t.Errorf("%s depends on %s: %s", pkg, dep, strings.Join(chain, " → "))
					}
				}
			}
			if checked == 0 {
				t.Fatalf("no package matches %v", tc.pkgs)
			}
		})
	}
}

// TestLayersSeeViolations keeps the check itself honest: a graph with a
// wrong import has a chain that leads to it.
func TestLayersSeeViolations(t *testing.T) {
	g := graph{"internal/adminclient": {"internal/httpapi/jsonapi"}, "internal/httpapi/jsonapi": {"internal/admin"},
		"internal/admin": {"internal/store"}}
	deps := g.deps("internal/adminclient")
	want := []string{"internal/adminclient", "internal/httpapi/jsonapi", "internal/admin", "internal/store"}
	if got := deps["internal/store"]; !slices.Equal(got, want) {
		t.Fatalf("chain to internal/store = %v, want %v", got, want)
	}
}
