// Package oauth implements the OAuth 2.0 authorization server's protocol
// logic: token requests (RFC 6749 §4.3, §4.4, §6 and the embed grant),
// client authentication (§2.3.1), scopes (§3.3), resource indicators
// (RFC 8707), introspection (RFC 7662) and revocation (RFC 7009). Every
// grant parses its own typed request and passes the same fixed steps
// (grant.go), so none can skip client authentication or scope checks, and
// each states its scope policy explicitly. HTTP lives in httpapi/oauthapi.
package oauth
