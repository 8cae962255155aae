package console

import (
	"html/template"
	"slices"
	"strings"
	"time"
)

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"when":  when,
	"join":  func(sep string, s []string) string { return strings.Join(s, sep) },
	"has":   slices.Contains[[]string],
	"input": newInput,
	"nav": func(p *page, section, path, label string) navLink {
		return navLink{Href: p.Base + path, Label: label, Current: p.Section == section}
	},
}

// navLink is an entry of the console's menu.
type navLink struct {
	Href, Label string
	Current     bool
}

// when shows a time in UTC to the minute; "never" for the zero time.
func when(t any) string {
	switch t := t.(type) {
	case time.Time:
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	case *time.Time:
		if t == nil {
			return "never"
		}
		return when(*t)
	}
	return ""
}

// input is a labelled form field with its value and error, for the
// "input" partial.
type input struct {
	Name, Label, Type, Help, Value, Error string
}

// newInput builds an input of form f: name, label, type and an optional
// help text shown under it unless there is an error.
func newInput(f *form, name, label, typ string, help ...string) input {
	in := input{Name: name, Label: label, Type: typ, Value: f.Get(name), Error: f.Err(name)}
	if len(help) > 0 {
		in.Help = help[0]
	}
	return in
}
