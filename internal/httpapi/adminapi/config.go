package adminapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

// Configuration as code: GET /api/v1/actions/config/export answers the
// tenant's configuration document; POST /api/v1/actions/config/apply
// makes the tenant match one (?dryRun=true: only say what would change;
// ?prune=true: also delete what a listed collection no longer lists).
// A document:
//
//	{"tenant":"acme","settings":{…tenant attributes…},"embed":{…},
//	 "scopes":[{"id":"orders:read","description":"…"}],"roles":[…],"apis":[…],
//	 "applications":[{"id":"<client id>",…}],"identityProviders":[…],"brokerProviders":[…]}
//
// Items carry their admin API attributes, less what the server sets;
// secrets are never exported, and in an applied document are plain (the
// CLI resolves env: and file: references first). Applying is one
// transaction: every change is made or none.

// maxConfigBody bounds an applied document.
const maxConfigBody = 4 << 20

// configChange is one change apply made, or would make.
type configChange struct {
	Op         string   `json:"op"` // create, update, delete
	Kind       string   `json:"kind"`
	ID         string   `json:"id"`
	Attributes []string `json:"attributes,omitempty"` // of an update, those that change
}

// generatedSecret is a secret the server made for a created item, shown
// this once.
type generatedSecret struct {
	Kind   string `json:"kind"`
	ID     string `json:"id"`
	Name   string `json:"name"`
	Secret string `json:"secret"`
}

// configResult is apply's answer.
type configResult struct {
	Tenant  string            `json:"tenant"`
	DryRun  bool              `json:"dryRun"`
	Changes []configChange    `json:"changes"`
	Secrets []generatedSecret `json:"secrets,omitempty"`
}

// singletonOmit names the document's members that are one object each
// (the tenant's settings, its embed settings) and what export leaves out
// of each.
var singletonOmit = map[string][]string{"settings": nil, "embed": {"clientId", "embedSecret"}}

func (h *Handler) exportConfig(w http.ResponseWriter, r *http.Request, c call) error {
	doc, err := h.ExportConfig(r.Context(), c.p, c.tenant)
	if err != nil {
		return err
	}
	return writeJSON(w, doc)
}

// ExportConfig returns tenant's configuration document.
func (h *Handler) ExportConfig(ctx context.Context, p admin.Principal, tenant string) (map[string]any, error) {
	c := call{p: p, tenant: tenant}
	doc := map[string]any{"tenant": tenant}
	for member, omit := range singletonOmit {
		if member == "settings" && !p.Bootstrap {
			continue // a tenant's settings are the bootstrap token's
		}
		res, err := h.singleton(ctx, c, member)
		if err != nil {
			return nil, err
		}
		doc[member] = res.Attributes.without(append(omit, readOnly...)...)
	}
	for _, k := range h.configKinds() {
		items, err := h.all(ctx, c, k)
		if err != nil {
			return nil, err
		}
		out := []attrs{}
		for _, it := range items {
			if builtin(k, it.ID) {
				continue
			}
			a := it.Attributes.without(append(append([]string{k.idAttribute}, k.secrets...), readOnly...)...)
			a["id"], _ = json.Marshal(it.ID)
			out = append(out, a)
		}
		doc[k.member] = out
	}
	return doc, nil
}

// builtin reports whether id is a resource every tenant has, which a
// document neither lists nor prunes.
func builtin(k configKind, id string) bool {
	return k.member == "scopes" && id == domain.AdminScope || k.member == "roles" && id == domain.AdminRole
}

func (h *Handler) singleton(ctx context.Context, c call, member string) (*resource, error) {
	if member == "embed" {
		return h.one(ctx, c, h.getEmbed, http.MethodGet, "/api/v1/entities/embedSettings", "", nil)
	}
	return h.one(ctx, c, h.getTenant, http.MethodGet, "/api/v1/entities/tenants/"+c.tenant, c.tenant, nil)
}

func (h *Handler) applyConfig(w http.ResponseWriter, r *http.Request, c call) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxConfigBody))
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return jsonapi.TooLarge(maxConfigBody)
	}
	if err != nil {
		return jsonapi.BadRequest("", "reading body: %v", err)
	}
	q := r.URL.Query()
	res, err := h.ApplyConfig(r.Context(), c.p, c.tenant, body, q.Get("prune") == "true", q.Get("dryRun") == "true")
	if err != nil {
		return err
	}
	return writeJSON(w, res)
}

// ApplyConfig makes tenant match the document raw, in one transaction,
// creating the tenant when it does not exist (which takes the bootstrap
// token). With dryRun the changes are made and rolled back, so what is
// reported has passed every check.
func (h *Handler) ApplyConfig(ctx context.Context, p admin.Principal, tenant string, raw []byte, prune, dryRun bool) (*configResult, error) {
	doc, err := h.parseConfig(raw, tenant)
	if err != nil {
		return nil, err
	}
	res := &configResult{Tenant: tenant, DryRun: dryRun, Changes: []configChange{}}
	c := call{p: p, tenant: tenant}
	if ctx, err = h.precheck(ctx, c, doc); err != nil {
		return nil, err
	}
	err = h.Service.Atomic(ctx, func(ctx context.Context) error {
		created, err := h.applyTenant(ctx, c, doc, res)
		if err != nil {
			return err
		}
		kinds := h.configKinds()
		for _, k := range kinds {
			if err := h.applyKind(ctx, c, k, doc, res); err != nil {
				return err
			}
		}
		// Last: embed settings name scopes.
		if err := h.applySingleton(ctx, c, "embed", doc.singletons["embed"], created, res); err != nil {
			return err
		}
		if prune {
			for _, k := range slices.Backward(kinds) {
				if err := h.pruneKind(ctx, c, k, doc, res); err != nil {
					return err
				}
			}
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, err
	}
	return res, nil
}

// configDoc is a parsed document: its singletons and its items by kind;
// a kind absent from the file is nil (not pruned), an empty list is not.
type configDoc struct {
	singletons map[string]attrs
	items      map[string][]attrs
}

// parseConfig reads a document for tenant: an object of known members,
// whose tenant, if given, is tenant, and whose items have distinct ids.
func (h *Handler) parseConfig(raw []byte, tenant string) (*configDoc, error) {
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&top); err != nil || top == nil {
		return nil, jsonapi.BadRequest("", "the document must be a JSON object: %v", err)
	}
	doc := &configDoc{singletons: map[string]attrs{}, items: map[string][]attrs{}}
	kinds := map[string]bool{}
	for _, k := range h.configKinds() {
		kinds[k.member] = true
	}
	for member, v := range top {
		switch {
		case member == "tenant":
			var t string
			if json.Unmarshal(v, &t) != nil || t != tenant {
				return nil, jsonapi.BadRequest("/tenant", "the document is for tenant %s, not %s", v, tenant)
			}
		case isSingleton(member):
			var a attrs
			if err := json.Unmarshal(v, &a); err != nil {
				return nil, jsonapi.BadRequest("/"+member, "%s must be an object", member)
			}
			doc.singletons[member] = a
		case kinds[member] && string(v) == "null":
			// "apis:" with every item commented out: absent, not empty,
			// so that --prune deletes nothing by accident.
		case kinds[member]:
			var items []attrs
			if err := json.Unmarshal(v, &items); err != nil {
				return nil, jsonapi.BadRequest("/"+member, "%s must be a list of objects", member)
			}
			seen := map[string]bool{}
			for i, it := range items {
				id := itemID(it)
				if id == "" || seen[id] {
					return nil, jsonapi.BadRequest("/"+member+"/"+strconv.Itoa(i)+"/id", "each item needs an id of its own")
				}
				seen[id] = true
			}
			doc.items[member] = items // "[]" decodes to an empty list, which prunes
		default:
			return nil, jsonapi.BadRequest("/"+member, "unknown member %q", member)
		}
	}
	return doc, nil
}

func isSingleton(member string) bool {
	_, ok := singletonOmit[member]
	return ok
}

func itemID(a attrs) string { return a.str("id") }

// applyTenant creates the tenant if need be, and reports whether it did,
// or updates its settings where the document says otherwise.
func (h *Handler) applyTenant(ctx context.Context, c call, doc *configDoc, res *configResult) (bool, error) {
	settings := doc.singletons["settings"]
	if !c.p.Bootstrap {
		// A tenant admin's document is for their existing tenant, whose
		// settings only the bootstrap token reads and writes.
		if settings != nil {
			return false, &jsonapi.Error{Status: http.StatusForbidden, Code: "forbidden",
				Detail: "a tenant's settings take the bootstrap token; leave settings out", Pointer: "/settings", HasPointer: true}
		}
		return false, nil
	}
	_, err := h.singleton(ctx, c, "settings")
	if errors.Is(err, domain.ErrNotFound) {
		if _, err := h.one(ctx, c, h.createTenant, http.MethodPost, "/api/v1/entities/tenants", "",
			document(typeTenant, c.tenant, settings.without(readOnly...))); err != nil {
			return false, itemError(err, "/settings", "tenant "+c.tenant)
		}
		res.Changes = append(res.Changes, configChange{Op: "create", Kind: "tenant", ID: c.tenant})
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return false, h.applySingleton(ctx, c, "settings", settings, false, res)
}

// applySingleton updates the settings or embed settings (member) where
// want differs from them. Those of a tenant created in this transaction
// are the defaults, set as the file says.
func (h *Handler) applySingleton(ctx context.Context, c call, member string, want attrs, created bool, res *configResult) error {
	if want == nil {
		return nil
	}
	want = want.without(append(singletonOmit[member], readOnly...)...)
	diff := slices.Sorted(maps.Keys(want))
	if !created {
		have, err := h.singleton(ctx, c, member)
		if err != nil {
			return err
		}
		diff = changed(want, have.Attributes)
	}
	if len(diff) == 0 {
		return nil
	}
	var err error
	if member == "embed" {
		if err := h.embedSecret(ctx, c, want, created, res); err != nil {
			return err
		}
		_, err = h.one(ctx, c, h.updateEmbed, http.MethodPatch, "/api/v1/entities/embedSettings", "",
			document(typeEmbedSettings, c.tenant, want))
	} else {
		_, err = h.one(ctx, c, h.updateTenant, http.MethodPatch, "/api/v1/entities/tenants/"+c.tenant, c.tenant,
			document(typeTenant, c.tenant, want))
	}
	if err != nil {
		return itemError(err, "/"+member, member)
	}
	res.Changes = append(res.Changes, configChange{Op: "update", Kind: member, ID: c.tenant, Attributes: diff})
	return nil
}

// applyKind creates the items of kind k the tenant lacks and updates
// those whose attributes differ.
func (h *Handler) applyKind(ctx context.Context, c call, k configKind, doc *configDoc, res *configResult) error {
	items := doc.items[k.member]
	if len(items) == 0 {
		return nil
	}
	current, err := h.all(ctx, c, k)
	if err != nil {
		return err
	}
	wc := asTenantAdmin(c, k)
	have := map[string]attrs{}
	for _, it := range current {
		have[it.ID] = it.Attributes
	}
	for i, want := range items {
		id, path := itemID(want), fmt.Sprintf("/%s/%d", k.member, i)
		what := fmt.Sprintf("%s %q", k.typ, id)
		a := want.without("id")
		if k.idAttribute != "" {
			a[k.idAttribute], _ = json.Marshal(id)
		}
		cur, exists := have[id]
		if !exists {
			created, err := h.one(ctx, wc, k.create, http.MethodPost, "/api/v1/entities/"+k.member, "", document(k.typ, id, a))
			if err != nil {
				return itemError(err, path, what)
			}
			res.Changes = append(res.Changes, configChange{Op: "create", Kind: k.member, ID: id})
			res.Secrets = append(res.Secrets, generated(k, created, want)...)
			continue
		}
		update := a.without(k.secrets...) // set on create only: a stored secret cannot be compared
		diff := changed(update, cur)
		if len(diff) == 0 {
			continue
		}
		only := attrs{} // what changes, and nothing the server would take as said anew
		for _, name := range diff {
			only[name] = update[name]
		}
		if _, err := h.one(ctx, wc, k.update, http.MethodPatch, "/api/v1/entities/"+k.member+"/"+id, id, document(k.typ, id, only)); err != nil {
			return itemError(err, path, what)
		}
		res.Changes = append(res.Changes, configChange{Op: "update", Kind: k.member, ID: id, Attributes: diff})
	}
	return nil
}

// generated lists the secrets the server made for a created item: those
// it answered with that the document did not give.
func generated(k configKind, created *resource, given attrs) []generatedSecret {
	var out []generatedSecret
	for _, name := range k.secrets {
		var v string
		if created == nil || given[name] != nil || json.Unmarshal(created.Attributes[name], &v) != nil || v == "" {
			continue
		}
		out = append(out, generatedSecret{Kind: k.member, ID: created.ID, Name: name, Secret: v})
	}
	return out
}

// pruneKind deletes the items of a kind the document lists (even as an
// empty list) that it does not name, built-in ones aside.
func (h *Handler) pruneKind(ctx context.Context, c call, k configKind, doc *configDoc, res *configResult) error {
	items, listed := doc.items[k.member]
	if !listed {
		return nil
	}
	keep := map[string]bool{}
	for _, it := range items {
		keep[itemID(it)] = true
	}
	current, err := h.all(ctx, c, k)
	if err != nil {
		return err
	}
	for _, it := range current {
		// Developer-portal applications are their owners', not the file's.
		if keep[it.ID] || builtin(k, it.ID) || it.Attributes.str("owner") != "" {
			continue
		}
		if _, err := h.one(ctx, asTenantAdmin(c, k), k.del, http.MethodDelete, "/api/v1/entities/"+k.member+"/"+it.ID, it.ID, nil); err != nil {
			return itemError(err, "/"+k.member, fmt.Sprintf("deleting %s %q", k.typ, it.ID))
		}
		res.Changes = append(res.Changes, configChange{Op: "delete", Kind: k.member, ID: it.ID})
	}
	return nil
}

// embedSecret generates the tenant's embed secret, shown this once, when
// the document enables embed authentication and the tenant has none yet:
// a secret is never in a file, and enabling takes one.
func (h *Handler) embedSecret(ctx context.Context, c call, want attrs, created bool, res *configResult) error {
	var enabled bool
	if json.Unmarshal(want["enabled"], &enabled) != nil || !enabled {
		return nil
	}
	if !created {
		have, err := h.singleton(ctx, c, "embed")
		if err != nil {
			return err
		}
		var has bool
		if json.Unmarshal(have.Attributes["hasSecret"], &has) == nil && has {
			return nil
		}
	}
	made, err := h.one(ctx, c, h.regenerateEmbedSecret, http.MethodPost, "/api/v1/entities/embedSettings/secret", "", nil)
	if err != nil {
		return itemError(err, "/embed", "embed")
	}
	var v string
	_ = json.Unmarshal(made.Attributes["embedSecret"], &v)
	res.Secrets = append(res.Secrets, generatedSecret{Kind: "embed", ID: c.tenant, Name: "embedSecret", Secret: v})
	return nil
}

// Describe is err as the admin API would answer it, its document path
// first: for errors met outside a request (serve --config).
func Describe(err error) error {
	obj := errorObject(err)
	if obj.Status == "500" {
		return err
	}
	if obj.Source != nil && obj.Source.Pointer != "" {
		return fmt.Errorf("%s: %s", obj.Source.Pointer, obj.Detail)
	}
	return errors.New(obj.Detail)
}

// precheck runs the network checks the document's new or changed
// addresses will need before the transaction opens (admin.WithPrechecks),
// so that a slow or unreachable host holds no write lock: API upstreams,
// issuers, broker token URLs and applications' jwksUri, as a tenant
// admin's writes face them (configKind.addresses). An address the tenant
// has already is left alone: no write will check it.
func (h *Handler) precheck(ctx context.Context, c call, doc *configDoc) (context.Context, error) {
	ctx = admin.WithPrechecks(ctx)
	checks := map[string]struct {
		attribute string
		check     func(context.Context, string)
	}{
		"apis":              {"upstream", h.Service.PrecheckUpstream},
		"identityProviders": {"issuer", h.Service.PrecheckIssuer},
		"brokerProviders":   {"tokenUrl", func(ctx context.Context, u string) { h.Service.PrecheckProviderAddress(ctx, "tokenUrl", u) }},
		"applications":      {"jwksUri", func(ctx context.Context, u string) { h.Service.PrecheckProviderAddress(ctx, "jwksUri", u) }},
	}
	for _, k := range h.configKinds() {
		pc, ok := checks[k.member]
		if !ok || len(doc.items[k.member]) == 0 {
			continue
		}
		current, err := h.all(ctx, c, k)
		if err != nil && !errors.Is(err, domain.ErrNotFound) { // not found: a tenant the apply creates
			return nil, err
		}
		have := map[string]string{}
		for _, it := range current {
			have[it.ID] = it.Attributes.str(pc.attribute)
		}
		for _, it := range doc.items[k.member] {
			if addr := it.str(pc.attribute); addr != "" && addr != have[itemID(it)] {
				pc.check(ctx, addr)
			}
		}
	}
	return ctx, nil
}
