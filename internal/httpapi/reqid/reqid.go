// Package reqid gives every request an id, echoed in X-Request-Id and kept
// in the context, so a user's "internal error" can be matched with the
// logged cause.
package reqid

import (
	"context"
	"crypto/rand"
	"net/http"
)

type key struct{}

// Middleware assigns the id.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := rand.Text()[:16]
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), key{}, id)))
	})
}

// From returns the request id in ctx, or "".
func From(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}
