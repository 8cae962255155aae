package oauth

import "context"

// clientCredentialsGrant: RFC 6749 §4.4. The authenticated client is the
// subject; no refresh token is issued (§4.4.3).
type clientCredentialsGrant struct{}

// clientCredentialsRequest has no parameters of its own (§4.4.2).
type clientCredentialsRequest struct{}

func (clientCredentialsRequest) claimedUser() string { return "" }

var _ grant[clientCredentialsRequest] = clientCredentialsGrant{}

func (clientCredentialsGrant) clientRequired() bool { return true }

func (clientCredentialsGrant) parse(params) (clientCredentialsRequest, error) {
	return clientCredentialsRequest{}, nil
}

func (clientCredentialsGrant) authorize(context.Context, *exchange, clientCredentialsRequest) (*authorization, ScopePolicy, error) {
	return &authorization{}, ClientOnly(), nil
}
