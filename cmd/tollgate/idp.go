package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
)

// idpFlags are the attributes an idp command may set; only the flags
// given are sent, so the server's defaults (scopes openid, profile and
// email, username claim email, enabled) hold unless overridden.
type idpFlags struct {
	issuer, clientID, clientSecret, displayName, usernameClaim string
	secretStdin, createUsers, disabled                         bool
	roles, scopes                                              []string
}

func (x *idpFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&x.issuer, "issuer", "", "the provider's issuer URL (https); its discovery document is fetched to check it")
	fs.StringVar(&x.clientID, "client-id", "", "Tollgate's client id at the provider")
	fs.StringVar(&x.clientSecret, "client-secret", "", "Tollgate's client secret at the provider (prefer --client-secret-stdin: flags show up in process lists)")
	fs.BoolVar(&x.secretStdin, "client-secret-stdin", false, "read the client secret from standard input")
	fs.StringVar(&x.displayName, "display-name", "", "name on the sign-in page (default: the id)")
	fs.StringVar(&x.usernameClaim, "username-claim", "", "ID token claim that names the user: email (default), preferred_username, sub or another")
	fs.BoolVar(&x.createUsers, "create-users", false, "create a user on their first sign-in through the provider")
	fs.StringArrayVar(&x.roles, "default-role", nil, "role given to users the provider creates (repeatable)")
	fs.StringArrayVar(&x.scopes, "scope", nil, "scope requested from the provider (repeatable; must include openid; default openid, profile, email)")
	fs.BoolVar(&x.disabled, "disabled", false, "hide the provider from the sign-in page; --disabled=false enables it")
}

// attributes returns the attributes whose flags were given.
func (x *idpFlags) attributes(cmd *cobra.Command) (map[string]any, error) {
	fs := cmd.Flags()
	attrs := map[string]any{}
	for flag, attr := range map[string]string{"issuer": "issuer", "client-id": "clientId", "display-name": "displayName",
		"username-claim": "usernameClaim"} {
		if fs.Changed(flag) {
			v, _ := fs.GetString(flag)
			attrs[attr] = v
		}
	}
	if fs.Changed("create-users") {
		attrs["createUsers"] = x.createUsers
	}
	if fs.Changed("disabled") {
		attrs["enabled"] = !x.disabled
	}
	if fs.Changed("default-role") {
		attrs["defaultRoles"] = list(x.roles)
	}
	if fs.Changed("scope") {
		attrs["scopes"] = list(x.scopes)
	}
	switch {
	case x.secretStdin && fs.Changed("client-secret"):
		return nil, errors.New("--client-secret and --client-secret-stdin exclude each other")
	case x.secretStdin:
		s, err := readPassword(cmd.InOrStdin())
		if err != nil {
			return nil, err
		}
		attrs["clientSecret"] = s
	case fs.Changed("client-secret"):
		attrs["clientSecret"] = x.clientSecret
	}
	return attrs, nil
}

// newIdpCmd manages a tenant's external identity providers.
func newIdpCmd() *cobra.Command {
	cmd, f := newAdminCmd("idp", "Manage external OpenID Connect identity providers users may sign in through")
	create := saveCmd(f, adminclient.IdentityProviders, "create",
		"Add an identity provider; its issuer's discovery document must be reachable", &idpFlags{})
	_ = create.MarkFlagRequired("issuer")
	_ = create.MarkFlagRequired("client-id")
	cmd.AddCommand(create, saveCmd(f, adminclient.IdentityProviders, "update",
		"Change the given attributes of an identity provider", &idpFlags{}))
	cmd.AddCommand(crudCmds(f, adminclient.IdentityProviders, "identity provider")...)
	return cmd
}
