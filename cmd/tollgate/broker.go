package main

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
)

// brokerFlags are the attributes a broker command may set; only the flags
// given are sent, so the server's defaults (client credentials, a
// five-minute refresh margin) hold unless overridden. Secrets come from
// --client-secret and --password, their TOLLGATE_CLIENT_SECRET and
// TOLLGATE_PASSWORD variables, standard input, or the appsettings file.
type brokerFlags struct {
	appsettings                  string
	clientSecretStdin, pwdStdin  bool
	refreshBefore                int
	isDefault                    bool
	scopes, roles                []string
	tokenURL, upstreamTenant     string
	grantType, clientID, secret  string
	username, password, resource string
}

func (x *brokerFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&x.appsettings, "from-appsettings", "", "read the Power BI sample's appsettings.json (AppTenantId, AuthTokenUrl, Resource, ClientId, ClientSecret, User, Password); other flags override it")
	fs.StringVar(&x.tokenURL, "token-url", "", "the upstream token endpoint (https); {tenantId} in it is replaced by --upstream-tenant")
	fs.StringVar(&x.upstreamTenant, "upstream-tenant", "", "the upstream tenant (Azure AD tenant id or domain) for {tenantId}")
	fs.StringVar(&x.grantType, "grant-type", "", "client_credentials (default) or password")
	fs.StringVar(&x.clientID, "client-id", "", "Tollgate's client id at the upstream")
	fs.StringVar(&x.secret, "client-secret", "", "Tollgate's client secret at the upstream (prefer --client-secret-stdin or TOLLGATE_CLIENT_SECRET: flags show up in process lists)")
	fs.BoolVar(&x.clientSecretStdin, "client-secret-stdin", false, "read the client secret from standard input")
	fs.StringVar(&x.username, "username", "", "the user of the password grant")
	fs.StringVar(&x.password, "password", "", "the password of the password grant (prefer --password-stdin or TOLLGATE_PASSWORD)")
	fs.BoolVar(&x.pwdStdin, "password-stdin", false, "read the password from standard input")
	fs.StringVar(&x.resource, "resource", "", "the resource the token is for (https://analysis.windows.net/powerbi/api)")
	fs.StringArrayVar(&x.scopes, "scope", nil, "scope requested from the upstream (repeatable)")
	fs.StringArrayVar(&x.roles, "allowed-role", nil, "role whose holders may get the token in the browser (repeatable)")
	fs.IntVar(&x.refreshBefore, "refresh-before", 0, "seconds before expiry at which the cached token is replaced (default 300)")
	fs.BoolVar(&x.isDefault, "default", false, "make it the tenant's provider behind /tokens/GetAccessToken")
}

// attributes returns the attributes of the appsettings file, if given,
// overridden by those whose flags were given.
func (x *brokerFlags) attributes(cmd *cobra.Command) (map[string]any, error) {
	fs := cmd.Flags()
	attrs := map[string]any{}
	if x.appsettings != "" {
		data, err := os.ReadFile(x.appsettings)
		if err != nil {
			return nil, err
		}
		if attrs, err = parseAppSettings(data); err != nil {
			return nil, fmt.Errorf("%s: %w", x.appsettings, err)
		}
	}
	for flag, attr := range map[string]string{"token-url": "tokenUrl", "upstream-tenant": "upstreamTenant",
		"grant-type": "grantType", "client-id": "clientId", "client-secret": "clientSecret", "username": "username",
		"password": "password", "resource": "resource"} {
		if fs.Changed(flag) {
			v, _ := fs.GetString(flag)
			attrs[attr] = v
		}
	}
	if fs.Changed("scope") {
		attrs["scopes"] = list(x.scopes)
	}
	if fs.Changed("allowed-role") {
		attrs["allowedRoles"] = list(x.roles)
	}
	if fs.Changed("refresh-before") {
		attrs["refreshBeforeSeconds"] = x.refreshBefore
	}
	if fs.Changed("default") {
		attrs["default"] = x.isDefault
	}
	stdin, err := x.fromStdin(cmd)
	if err != nil {
		return nil, err
	}
	maps.Copy(attrs, stdin)
	return attrs, nil
}

// fromStdin reads the one secret standard input may give.
func (x *brokerFlags) fromStdin(cmd *cobra.Command) (map[string]any, error) {
	fs := cmd.Flags()
	switch {
	case x.clientSecretStdin && x.pwdStdin:
		return nil, errors.New("--client-secret-stdin and --password-stdin exclude each other: standard input holds one secret")
	case x.clientSecretStdin && fs.Changed("client-secret"), x.pwdStdin && fs.Changed("password"):
		return nil, errors.New("a secret comes from its flag or from standard input, not both")
	case !x.clientSecretStdin && !x.pwdStdin:
		return nil, nil
	}
	s, err := readPassword(cmd.InOrStdin())
	if err != nil {
		return nil, err
	}
	if x.clientSecretStdin {
		return map[string]any{"clientSecret": s}, nil
	}
	return map[string]any{"password": s}, nil
}

// newBrokerCmd manages a tenant's token broker providers.
func newBrokerCmd() *cobra.Command {
	cmd, f := newAdminCmd("broker", "Manage the token broker's upstream providers (Azure AD for Power BI and others)")
	cmd.AddCommand(
		saveCmd(f, adminclient.BrokerProviders, "create",
			"Add a broker provider, from flags or --from-appsettings appsettings.json", &brokerFlags{}),
		saveCmd(f, adminclient.BrokerProviders, "update",
			"Change the given attributes of a broker provider; secrets left out are kept", &brokerFlags{}))
	cmd.AddCommand(crudCmds(f, adminclient.BrokerProviders, "broker provider")...)
	cmd.AddCommand(brokerTestCmd(f))
	return cmd
}

// brokerTestCmd asks the broker for a provider's token, as a page of the
// tenant would, and says what came back: the upstream's answer or its
// error. The token itself is printed only when asked for.
func brokerTestCmd(f *adminFlags) *cobra.Command {
	var show bool
	cmd := &cobra.Command{
		Use:   "test ID",
		Short: "Get a broker provider's token through the broker, to check its settings",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			t, err := c.BrokerToken(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "ok: a token for %s, valid until %s (%d s)\n", t.Resource,
				time.Unix(t.ExpiresOn, 0).UTC().Format(time.RFC3339), t.ExpiresIn)
			if show {
				fmt.Fprintln(out, t.AccessToken)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&show, "show-token", false, "also print the access token")
	return cmd
}
