package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
)

// newTokenCmd gets a token from the token endpoint as a client.
func newTokenCmd() *cobra.Command {
	cmd, f := newAdminCmd("token", "Get a token as a client (client_credentials or password grant)")
	var (
		tr            adminclient.TokenRequest
		passwordStdin bool
	)
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if tr.ClientID == "" || tr.ClientSecret == "" {
			return errors.New("--client-id and --client-secret are required")
		}
		switch tr.GrantType {
		case "client_credentials":
		case "password":
			if passwordStdin {
				pw, err := readPassword(cmd.InOrStdin())
				if err != nil {
					return err
				}
				tr.Password = pw
			}
			if tr.Username == "" || tr.Password == "" {
				return errors.New("the password grant needs --username and --password or --password-stdin")
			}
		default:
			return fmt.Errorf("unsupported --grant %q (want client_credentials or password)", tr.GrantType)
		}
		c, err := f.client()
		if err != nil {
			return err
		}
		raw, err := c.RequestToken(cmd.Context(), tr)
		if err != nil {
			return err
		}
		return adminclient.PrintToken(cmd.OutOrStdout(), f.output, raw)
	}
	fs := cmd.Flags()
	fs.StringVar(&tr.ClientID, "client-id", "", "client id")
	fs.StringVar(&tr.ClientSecret, "client-secret", "", "client secret")
	fs.StringVar(&tr.GrantType, "grant", "client_credentials", "grant type: client_credentials or password")
	fs.StringVar(&tr.Username, "username", "", "user name (password grant)")
	fs.StringVar(&tr.Password, "password", "", "user password (password grant)")
	fs.BoolVar(&passwordStdin, "password-stdin", false, "read the user password from standard input")
	fs.StringVar(&tr.Scope, "scope", "", "space-separated scopes to request")
	fs.StringArrayVar(&tr.Resources, "resource", nil, "resource indicator, becomes the token's aud (repeatable)")
	return cmd
}
