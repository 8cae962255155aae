package oauthapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
)

// publicDocs keeps the last JWKS and metadata document served per tenant,
// so verifiers still get them while the database is down: they change
// only with a key rotation, and refusing them would make every relying
// party fail at once. Only tenants that exist get an entry.
type publicDocs struct {
	mu   sync.RWMutex
	docs map[docKey][]byte
}

type docKey struct{ tenant, kind string }

// servePublic builds the tenant's document of kind and serves it, or the
// last one served when the database is unavailable.
func (h *Handler) servePublic(w http.ResponseWriter, r *http.Request, kind string,
	build func(ctx context.Context, tenant string) (any, error)) {
	key := docKey{route.TenantOf(r), kind}
	v, err := build(r.Context(), key.tenant)
	if err == nil {
		var b []byte
		if b, err = json.Marshal(v); err == nil {
			b = append(b, '\n') // as json.Encoder writes it
			h.public.put(key, b)
			writePublicJSON(w, b)
			return
		}
	}
	if errors.Is(err, domain.ErrUnavailable) {
		if b, ok := h.public.get(key); ok {
			h.log.WarnContext(r.Context(), "database unavailable; serving the last "+kind+" document", "tenant", key.tenant, "err", err)
			writePublicJSON(w, b)
			return
		}
	} else {
		h.public.drop(key) // the tenant is gone, or its document broken
	}
	h.writeError(w, r, err)
}

func (p *publicDocs) get(k docKey) ([]byte, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	b, ok := p.docs[k]
	return b, ok
}

func (p *publicDocs) put(k docKey, b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.docs == nil {
		p.docs = map[docKey][]byte{}
	}
	p.docs[k] = b
}

func (p *publicDocs) drop(k docKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.docs, k)
}

// writePublicJSON writes a document verifiers may cache briefly; short,
// because a rotated key must reach them soon.
func writePublicJSON(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=60")
	_, _ = w.Write(b)
}
