package adminclient_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
)

// `tollgate token` honours -o like every other command: a table by
// default, the server's JSON with -o json.
func TestPrintTokenFollowsTheOutputFormat(t *testing.T) {
	raw := json.RawMessage(`{"access_token":"eyJ.x.y","token_type":"Bearer","expires_in":3600,"scope":"orders:read"}`)
	var table bytes.Buffer
	if err := adminclient.PrintToken(&table, adminclient.FormatTable, raw); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"access_token:  eyJ.x.y", "expires_in:    3600", "scope:         orders:read"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table output %q lacks %q", table.String(), want)
		}
	}
	if strings.Contains(table.String(), "refresh_token") {
		t.Errorf("table output %q shows a field the response lacks", table.String())
	}
	var js bytes.Buffer
	if err := adminclient.PrintToken(&js, adminclient.FormatJSON, raw); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(js.Bytes(), &got); err != nil || got["access_token"] != "eyJ.x.y" {
		t.Errorf("json output %q: %v", js.String(), err)
	}
}
