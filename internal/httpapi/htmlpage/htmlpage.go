// Package htmlpage is what the server's HTML surfaces (the sign-in pages,
// the console) share: templates parsed once from the binary, pages
// written with the security headers every page needs, embedded assets.
package htmlpage

import (
	"bytes"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// Parse parses, from fsys, each of names as templates/layout.html with
// templates/<name>.html, once; a broken template panics at start.
func Parse(fsys fs.FS, names ...string) map[string]*template.Template {
	m := make(map[string]*template.Template, len(names))
	for _, name := range names {
		m[name] = template.Must(template.ParseFS(fsys, "templates/layout.html", "templates/"+name+".html"))
	}
	return m
}

// Write renders t's "layout" with data and writes it with status under
// the content security policy csp. It is never framed, never cached and
// sends no referrer to other origins. The page is rendered in full
// before anything is written, so a template error is a clean 500.
func Write(w http.ResponseWriter, status int, t *template.Template, data any, csp string) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// Static serves the files under static/ of fsys at path, cached for a day.
func Static(fsys fs.FS, path string) http.Handler {
	sub, err := fs.Sub(fsys, "static")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix(path, http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}

// ParseDir parses every templates/<name>.html of fsys but the layout and
// the partials (files whose name starts with "_") as a page: the layout,
// every partial and the page's own file, with funcs. It is keyed by name.
func ParseDir(fsys fs.FS, funcs template.FuncMap) map[string]*template.Template {
	files, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		panic(err)
	}
	partials := []string{"templates/layout.html"}
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "_") {
			partials = append(partials, f)
		}
	}
	m := make(map[string]*template.Template, len(files))
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		m[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(fsys, append(partials, f)...))
	}
	return m
}
