package oauth

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// tokenParams are the parameters every grant's request shares.
type tokenParams struct {
	scope scopeParam
	// validity is validity_period in seconds, which may shorten the access
	// token's lifetime; 0: not sent.
	validity int64
}

// parseTokenParams reads the shared parameters; resource indicators were
// read with the body (Request.resources).
func parseTokenParams(p params) (tokenParams, error) {
	scope, err := parseScope(p.get("scope"))
	if err != nil {
		return tokenParams{}, err
	}
	validity, err := parseValidity(p.get("validity_period"))
	if err != nil {
		return tokenParams{}, err
	}
	return tokenParams{scope: scope, validity: validity}, nil
}

func parseValidity(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, InvalidRequest("validity_period must be a positive number of seconds")
	}
	return n, nil
}

// lifetime applies validity_period, which may shorten the access token's
// lifetime but never lengthen it.
func lifetime(validity int64, max time.Duration) time.Duration {
	if validity > 0 && validity < int64(max/time.Second) {
		return time.Duration(validity) * time.Second
	}
	return max
}

// audience turns resource indicators into the token's aud (RFC 8707 §2):
// absolute URIs without fragment. Without any, the token is for the
// client itself, or keeps the original audience on refresh, which a
// refresh may narrow but not widen.
func audience(resources, original []string, clientID string) ([]string, error) {
	for _, r := range resources {
		u, err := url.Parse(r)
		if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(r, "#") {
			return nil, InvalidTarget("resource must be an absolute URI without a fragment")
		}
		if original != nil && !slices.Contains(original, r) {
			return nil, InvalidTarget("resource " + strconv.Quote(r) + " was not part of the original grant")
		}
	}
	switch {
	case len(resources) > 0:
		return slices.Compact(slices.Sorted(slices.Values(resources))), nil
	case original != nil:
		return original, nil
	default:
		return []string{clientID}, nil
	}
}
