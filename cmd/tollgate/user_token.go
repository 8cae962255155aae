package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
)

// newUserTokenCmd manages a user's personal API tokens: `tollgate user
// token create|list|delete`. It shares the user command's admin flags, so
// --token may be the bootstrap token, an admin's or the user's own.
func newUserTokenCmd(f *adminFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage a user's API tokens"}
	var scopes []string
	var description string
	var expiresIn time.Duration
	create := &cobra.Command{
		Use:   "create USER ID",
		Short: "Create an API token; it is printed once",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			attrs := map[string]any{}
			if cmd.Flags().Changed("scope") {
				attrs["scopes"] = list(scopes)
			}
			if description != "" {
				attrs["description"] = description
			}
			if expiresIn != 0 {
				attrs["expiresAt"] = time.Now().Add(expiresIn).UTC().Format(time.RFC3339)
			}
			r, err := c.CreateAPIToken(cmd.Context(), args[0], args[1], attrs)
			if err != nil {
				return err
			}
			cols := append([]string{"bearerToken"}, adminclient.Columns[adminclient.APITokens]...)
			return adminclient.PrintOne(cmd.OutOrStdout(), f.output, cols, r)
		},
	}
	create.Flags().StringArrayVar(&scopes, "scope", nil, "scope of the token (repeatable; default: all the user's scopes)")
	create.Flags().StringVar(&description, "description", "", "what the token is for")
	create.Flags().DurationVar(&expiresIn, "expires-in", 0, "lifetime, e.g. 720h (default: no expiry)")

	listCmd := &cobra.Command{
		Use:   "list USER",
		Short: "List a user's API tokens (never their secrets)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			rs, err := c.ListAPITokens(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return adminclient.PrintList(cmd.OutOrStdout(), f.output, adminclient.Columns[adminclient.APITokens], rs)
		},
	}
	del := &cobra.Command{
		Use:   "delete USER ID",
		Short: "Delete an API token; it stops working at once",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if err := c.DeleteAPIToken(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "deleted API token %s of %s\n", args[1], args[0])
			return nil
		},
	}
	cmd.AddCommand(create, listCmd, del)
	return cmd
}
