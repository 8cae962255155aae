package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestConsoleEmbed: the embed secret is made in the console, shown once,
// works with both forms of the embed grant, and a new one replaces it.
func TestConsoleEmbed(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		b := e.consoleAdmin(t)
		p := b.get("/console/embed")
		if p.status != http.StatusOK || !strings.Contains(p.body, "<strong>none yet</strong>") ||
			!strings.Contains(p.body, `<code id="embed-plain">curl -s `+e.base+`/oauth2/token \`) ||
			!strings.Contains(p.body, `curl -s `+e.base+`/oauth2/token -d grant_type=embed_secret --data-urlencode username="$EMBED_USER"`) {
			t.Fatalf("embed page: %d %s", p.status, p.body)
		}
		settings := url.Values{"enabled": {"on"}, "scopes": {"orders:read"}, "accessTokenTtl": {"300"}, "refreshTokenTtl": {"3600"}}
		if p := b.consolePost("/console/embed", settings); p.status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.body, `<small id="f-enabled-note" class="field-error">generate an embed secret before enabling embed authentication</small>`) {
			t.Fatalf("enabling without a secret: %d %s", p.status, p.body)
		}

		gen := b.consolePost("/console/embed/secret", url.Values{})
		secret := secretOn(t, gen)
		if gen.status != http.StatusOK || !strings.HasPrefix(secret, "tge_") || strings.Count(gen.body, secret) != 1 ||
			!strings.Contains(gen.body, "Any previous embed secret stopped working at once") {
			t.Fatalf("generate: %d %s", gen.status, gen.body)
		}
		if p := b.consolePost("/console/embed", settings); p.status != http.StatusSeeOther || p.location != "/console/embed?done=saved" {
			t.Fatalf("enable: %d %s", p.status, p.body)
		}
		p = b.get("/console/embed?done=saved")
		if !strings.Contains(p.body, "Embed settings saved.") || strings.Contains(p.body, secret) || strings.Contains(p.body, `id="secret-embed"`) ||
			!strings.Contains(p.body, "<strong>set</strong>") || !strings.Contains(p.body, `name="enabled" checked`) ||
			!strings.Contains(p.body, `data-confirm="Regenerate the embed secret? The current one stops working at once."`) {
			t.Fatalf("embed page after enabling: %s", p.body)
		}

		plain := e.post("/oauth2/token", embedPlain("john.doe", secret), "", "")
		if plain.status != http.StatusOK || plain.str("scope") != "orders:read" || plain.body["expires_in"] != float64(300) {
			t.Fatalf("plain embed request: %d %s", plain.status, plain.raw)
		}
		if r := e.post("/oauth2/token", embedSigned("john.doe", secret, "nonce-1", time.Now()), "", ""); r.status != http.StatusOK {
			t.Fatalf("signed embed request: %d %s", r.status, r.raw)
		}

		regen := b.consolePost("/console/embed/secret", url.Values{})
		fresh := secretOn(t, regen)
		if fresh == secret || strings.Contains(regen.body, secret) {
			t.Fatalf("regenerated secret %q (old %q)", fresh, secret)
		}
		if r := e.post("/oauth2/token", embedPlain("john.doe", secret), "", ""); r.status != http.StatusBadRequest || r.str("error") != "invalid_grant" {
			t.Errorf("the old secret after regenerating: %d %s", r.status, r.raw)
		}
		if r := e.post("/oauth2/token", embedSigned("john.doe", fresh, "nonce-2", time.Now()), "", ""); r.status != http.StatusOK {
			t.Errorf("the new secret: %d %s", r.status, r.raw)
		}

		// A stale form neither regenerates nor disables.
		if p := b.submit("/console/embed/secret", url.Values{"csrf_token": {"stale"}}); p.status != http.StatusForbidden || strings.Contains(p.body, "tge_") {
			t.Errorf("stale regenerate: %d", p.status)
		}
		if p := b.submit("/console/embed", url.Values{"csrf_token": {"stale"}, "scopes": {""}}); p.status != http.StatusForbidden {
			t.Errorf("stale disable: %d", p.status)
		}
		if r := e.post("/oauth2/token", embedPlain("john.doe", fresh), "", ""); r.status != http.StatusOK {
			t.Errorf("after the stale forms: %d %s", r.status, r.raw)
		}
	})
}
