package adminclient

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Output formats.
const (
	FormatTable = "table"
	FormatJSON  = "json"
)

// Columns are the attributes shown in tables, per collection; "id" is the
// resource id.
var Columns = map[string][]string{
	Tenants: {"id", "name", "apiTokenMaxTtl", "sessionIdleTimeoutSeconds", "sessionMaxAgeSeconds"},
	Users:   {"id", "email", "displayName", "roles", "source", "disabled"},
	Roles:   {"id", "scopes"},
	Scopes:  {"id", "description"},
	Applications: {"clientId", "name", "clientType", "firstParty", "grantTypes", "redirectUris", "scopes", "defaultScopes",
		"accessTokenTtl", "refreshTokenTtl", "refreshReuseGraceSeconds"},
}

// CheckFormat reports an unknown output format.
func CheckFormat(format string) error {
	if format != FormatTable && format != FormatJSON {
		return fmt.Errorf("unknown output format %q (want table or json)", format)
	}
	return nil
}

// PrintList prints resources as a table with cols, or as a JSON array.
func PrintList(w io.Writer, format string, cols []string, rs []Resource) error {
	if format == FormatJSON {
		if rs == nil {
			rs = []Resource{}
		}
		return PrintJSON(w, rs)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(cols, "\t")))
	for i := range rs {
		cells := make([]string, len(cols))
		for j, c := range cols {
			cells[j] = cell(&rs[i], c)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// PrintOne prints one resource as a two-column table of cols, or as JSON.
func PrintOne(w io.Writer, format string, cols []string, r *Resource) error {
	if format == FormatJSON {
		return PrintJSON(w, r)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range cols {
		fmt.Fprintf(tw, "%s:\t%s\n", c, cell(r, c))
	}
	return tw.Flush()
}

// PrintJSON prints v as indented JSON.
func PrintJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cell(r *Resource, col string) string {
	if col == "id" {
		return r.ID
	}
	return format(r.Attributes[col])
}

func format(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = format(x)
		}
		return strings.Join(parts, ",")
	}
	b, _ := json.Marshal(v)
	return string(b)
}
