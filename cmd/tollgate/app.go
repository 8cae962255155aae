package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
)

// newAppCmd manages a tenant's applications (OAuth clients).
func newAppCmd() *cobra.Command {
	cmd, f := newAdminCmd("app", "Manage applications (OAuth clients)")
	var (
		name                     string
		grants, scopes, defaults []string
		accessTTL, refreshTTL    time.Duration
	)
	create := &cobra.Command{
		Use:   "create",
		Short: "Register an application; prints its client id and secret (the secret only this once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			attrs := map[string]any{"name": name, "scopes": list(scopes), "defaultScopes": list(defaults)}
			if len(grants) > 0 {
				attrs["grantTypes"] = grants
			}
			if accessTTL > 0 {
				attrs["accessTokenTtl"] = int64(accessTTL / time.Second)
			}
			if refreshTTL > 0 {
				attrs["refreshTokenTtl"] = int64(refreshTTL / time.Second)
			}
			r, err := c.Create(cmd.Context(), adminclient.Applications, "", attrs)
			if err != nil {
				return err
			}
			return printSecret(cmd, f, r)
		},
	}
	fs := create.Flags()
	fs.StringVar(&name, "name", "", "application name (required)")
	fs.StringArrayVar(&grants, "grant", nil, "allowed grant type (repeatable; default password, refresh_token, client_credentials)")
	fs.StringArrayVar(&scopes, "scope", nil, "scope the application may request (repeatable)")
	fs.StringArrayVar(&defaults, "default-scope", nil, "scope granted when a request names none (repeatable)")
	fs.DurationVar(&accessTTL, "access-ttl", 0, "access token lifetime, e.g. 1h (default 1h)")
	fs.DurationVar(&refreshTTL, "refresh-ttl", 0, "refresh token lifetime, e.g. 24h (default 24h)")
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
	cmd.AddCommand(create, rotate)
	cmd.AddCommand(crudCmds(f, adminclient.Applications, "application")...)
	return cmd
}

// printSecret prints an application with its secret, which the server
// will not show again.
func printSecret(cmd *cobra.Command, f *adminFlags, r *adminclient.Resource) error {
	cols := append([]string{"clientSecret"}, adminclient.Columns[adminclient.Applications]...)
	if err := adminclient.PrintOne(cmd.OutOrStdout(), f.output, cols, r); err != nil {
		return err
	}
	fmt.Fprintln(cmd.ErrOrStderr(), "Store the client secret now: it is not shown again.")
	return nil
}
