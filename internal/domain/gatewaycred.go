package domain

import "time"

// GatewayCredential lets a remote gateway (`tollgate gateway
// --key-manager`) read the gateway feed of every tenant, and do nothing
// else, so a gateway machine need not hold the all-powerful bootstrap
// token. Like an API token it is stored only as the SHA-256 of its
// string, which is shown once, when it is created.
type GatewayCredential struct {
	ID          string // chosen by the operator, unique on the server
	Hash        []byte // secret.HashToken of the credential string
	Description string
	CreatedAt   time.Time
}

// RevokeGatewayCredential is the revocation kind of a deleted gateway
// credential, by the hex SHA-256 of its string. Gateway credentials span
// tenants; their revocations are filed under the default tenant, which
// always exists.
const RevokeGatewayCredential = "gateway_credential"

// ValidateGatewayCredential checks the attributes an operator chooses;
// the id rule is the API tokens'.
func ValidateGatewayCredential(c *GatewayCredential) error {
	if !apiTokenIDRe.MatchString(c.ID) {
		return Invalid("id", "must match %s", apiTokenIDRe.String())
	}
	if len(c.Description) > MaxAPITokenDescription {
		return Invalid("description", "longer than %d bytes", MaxAPITokenDescription)
	}
	return nil
}
