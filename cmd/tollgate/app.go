package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
	"github.com/tollgate-dev/tollgate/internal/domain"
)

// newAppCmd manages a tenant's applications (OAuth clients).
func newAppCmd() *cobra.Command {
	cmd, f := newAdminCmd("app", "Manage applications (OAuth clients)")
	create := appWriteCmd(f, "create")
	_ = create.MarkFlagRequired("name")

	rotate := &cobra.Command{
		Use:   "rotate-secret CLIENT_ID",
		Short: "Give an application a new secret; the old one stops working at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			r, err := c.RotateApplicationSecret(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return printSecret(cmd, f, r)
		},
	}
	cmd.AddCommand(create, appWriteCmd(f, "update"), rotate)
	cmd.AddCommand(crudCmds(f, adminclient.Applications, "application")...)
	return cmd
}

// appWriteCmd is "app create" or "app update CLIENT_ID": the same flags,
// of which update sends only those given.
func appWriteCmd(f *adminFlags, verb string) *cobra.Command {
	var (
		name, idTokenAlg             string
		jwksFile, jwksURI, exchange  string
		grants, scopes, defaults     []string
		redirects, logoutRedirects   []string
		public, thirdParty, dpop     bool
		accessTTL, refreshTTL, grace time.Duration
	)
	sub := &cobra.Command{
		Use:   "create",
		Short: "Register an application; prints its client id and secret (the secret only this once)",
		Args:  cobra.NoArgs,
	}
	if verb == "update" {
		sub.Use, sub.Short, sub.Args = "update CLIENT_ID", "Change the given attributes of an application", cobra.ExactArgs(1)
	}
	sub.RunE = func(cmd *cobra.Command, args []string) error {
		given := func(flag string) bool { return verb == "create" || cmd.Flags().Changed(flag) }
		attrs := map[string]any{}
		if given("name") {
			attrs["name"] = name
		}
		if given("scope") {
			attrs["scopes"] = list(scopes)
		}
		if given("default-scope") {
			attrs["defaultScopes"] = list(defaults)
		}
		if len(grants) > 0 || cmd.Flags().Changed("grant") {
			attrs["grantTypes"] = list(grants)
		}
		if accessTTL > 0 || cmd.Flags().Changed("access-ttl") {
			attrs["accessTokenTtl"] = int64(accessTTL / time.Second)
		}
		if refreshTTL > 0 || cmd.Flags().Changed("refresh-ttl") {
			attrs["refreshTokenTtl"] = int64(refreshTTL / time.Second)
		}
		if given("redirect-uri") {
			attrs["redirectUris"] = list(redirects)
		}
		if given("post-logout-redirect-uri") {
			attrs["postLogoutRedirectUris"] = list(logoutRedirects)
		}
		// The server's defaults (confidential, first party) stand unless
		// a flag is given: update sends only what changes.
		if cmd.Flags().Changed("public") {
			attrs["clientType"] = map[bool]string{true: "public", false: "confidential"}[public]
		}
		if cmd.Flags().Changed("third-party") {
			attrs["firstParty"] = !thirdParty
		}
		if cmd.Flags().Changed("id-token-alg") {
			attrs["idTokenSigningAlg"] = idTokenAlg
		}
		if cmd.Flags().Changed("jwks-file") {
			if err := setJWKS(attrs, jwksFile, cmd.InOrStdin()); err != nil {
				return err
			}
		}
		if cmd.Flags().Changed("jwks-uri") {
			attrs["jwksUri"] = jwksURI
		}
		if cmd.Flags().Changed("token-exchange") {
			attrs["tokenExchange"] = nil
			if exchange != "" {
				if !json.Valid([]byte(exchange)) {
					return errors.New("--token-exchange: not a JSON object")
				}
				attrs["tokenExchange"] = json.RawMessage(exchange)
			}
		}
		if cmd.Flags().Changed("require-dpop") {
			attrs["requireDpop"] = dpop
		}
		if cmd.Flags().Changed("refresh-reuse-grace") {
			if grace%time.Second != 0 {
				return fmt.Errorf("--refresh-reuse-grace: %v is not a whole number of seconds", grace)
			}
			attrs["refreshReuseGraceSeconds"] = int64(grace / time.Second)
		}
		c, err := f.client()
		if err != nil {
			return err
		}
		if verb == "update" {
			r, err := c.Update(cmd.Context(), adminclient.Applications, args[0], attrs)
			if err != nil {
				return err
			}
			if r.Attributes["clientType"] == "confidential" && r.Attributes["clientSecretSet"] == false {
				fmt.Fprintf(cmd.ErrOrStderr(), "The application has no secret yet: give it one with `tollgate app rotate-secret %s`.\n", args[0])
			}
			return printCreated(cmd, f, adminclient.Applications, r)
		}
		r, err := c.Create(cmd.Context(), adminclient.Applications, "", attrs)
		if err != nil {
			return err
		}
		return printSecret(cmd, f, r)
	}
	fs := sub.Flags()
	fs.StringVar(&name, "name", "", "application name (required by create)")
	fs.StringArrayVar(&grants, "grant", nil,
		"allowed grant type (repeatable; default password, refresh_token, client_credentials; for a public client authorization_code, refresh_token)")
	fs.StringArrayVar(&scopes, "scope", nil, "scope the application may request (repeatable)")
	fs.StringArrayVar(&defaults, "default-scope", nil, "scope granted when a request names none (repeatable)")
	fs.DurationVar(&accessTTL, "access-ttl", 0, "access token lifetime, e.g. 1h (default 1h)")
	fs.DurationVar(&refreshTTL, "refresh-ttl", 0, "refresh token lifetime, e.g. 24h (default 24h)")
	fs.StringArrayVar(&redirects, "redirect-uri", nil,
		"where sign-in responses may go, matched exactly (repeatable): https, http on 127.0.0.1, [::1] or localhost, or com.example.app:/path")
	fs.StringArrayVar(&logoutRedirects, "post-logout-redirect-uri", nil, "where the user may be sent after signing out (repeatable)")
	fs.BoolVar(&public, "public", false,
		"a public client (browser or native app): no secret, no password or client_credentials grant; --public=false makes it confidential")
	fs.BoolVar(&thirdParty, "third-party", false, "a third-party application: users are asked to consent; --third-party=false makes it first party")
	fs.StringVar(&idTokenAlg, "id-token-alg", "", `algorithm of its ID tokens: "" for the tenant's, or RS256`)
	fs.StringVar(&jwksFile, "jwks-file", "",
		`a JWK Set of the client's public keys, for private_key_jwt ("-" reads stdin; "" removes them); the secret then stops working`)
	fs.StringVar(&jwksURI, "jwks-uri", "", `where the client publishes its JWK Set, for private_key_jwt ("" removes it)`)
	fs.StringVar(&exchange, "token-exchange", "", `its token exchange policy (RFC 8693; give grant type `+domain.GrantTokenExchange+`): `+
		`'{"allowedSubjectIssuers":["self"],"allowImpersonation":false,"allowedAudiences":["https://api.example.com"]}' ("" removes it)`)
	fs.BoolVar(&dpop, "require-dpop", false, "refuse token requests without a DPoP proof: every token is bound to the client's key (--require-dpop=false lifts it)")
	fs.DurationVar(&grace, "refresh-reuse-grace", 0,
		"how long a just-rotated refresh token may be presented again to get the same successor, e.g. 30s, at most 5m; 0 turns it off (default 30s)")
	return sub
}

// printSecret prints an application with its secret, which the server
// will not show again; a public client has none.
func printSecret(cmd *cobra.Command, f *adminFlags, r *adminclient.Resource) error {
	if _, ok := r.Attributes["clientSecret"]; !ok {
		return printCreated(cmd, f, adminclient.Applications, r)
	}
	cols := append([]string{"clientSecret"}, adminclient.Columns[adminclient.Applications]...)
	if err := adminclient.PrintOne(cmd.OutOrStdout(), f.output, cols, r); err != nil {
		return err
	}
	fmt.Fprintln(cmd.ErrOrStderr(), "Store the client secret now: it is not shown again.")
	return nil
}

// setJWKS puts the JWK Set in path ("-": stdin; "": none, which removes
// the keys) into attrs as JSON, so the server reads the set itself.
func setJWKS(attrs map[string]any, path string, stdin io.Reader) error {
	if path == "" {
		attrs["jwks"] = nil
		return nil
	}
	var raw []byte
	var err error
	if path == "-" {
		raw, err = io.ReadAll(stdin)
	} else {
		raw, err = os.ReadFile(path)
	}
	if err != nil {
		return fmt.Errorf("--jwks-file: %w", err)
	}
	if !json.Valid(raw) {
		return fmt.Errorf("--jwks-file: %s is not JSON", path)
	}
	attrs["jwks"] = json.RawMessage(raw)
	return nil
}
