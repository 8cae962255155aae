package oauth

import "context"

// clientCredentialsGrant: RFC 6749 §4.4. The authenticated client is the
// subject; no refresh token is issued (§4.4.3).
type clientCredentialsGrant struct{}

func (clientCredentialsGrant) clientRequired() bool { return true }

func (clientCredentialsGrant) authorize(context.Context, *exchange) (*authorization, error) {
	return &authorization{}, nil
}
