package oauthapi

import "net/http"

// cors lets browser apps (public clients, RFC 8252's and single-page
// apps) call h from their own origin. No cookie or other ambient
// credential is read on these endpoints, so any origin may: a page
// learns nothing it could not fetch with its own credentials.
func cors(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Expose-Headers", "WWW-Authenticate, Retry-After, DPoP-Nonce")
		h(w, r)
	}
}

// preflight answers a CORS preflight (OPTIONS) for the endpoints cors
// wraps.
func preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, POST")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, DPoP")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}
