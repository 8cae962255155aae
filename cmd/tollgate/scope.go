package main

import (
	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
)

// newScopeCmd manages a tenant's scopes.
func newScopeCmd() *cobra.Command {
	cmd, f := newAdminCmd("scope", "Manage scopes")
	var description string
	create := &cobra.Command{
		Use:   "create ID",
		Short: "Create a scope",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			r, err := c.Create(cmd.Context(), adminclient.Scopes, args[0], map[string]any{"description": description})
			if err != nil {
				return err
			}
			return printCreated(cmd, f, adminclient.Scopes, r)
		},
	}
	create.Flags().StringVar(&description, "description", "", "what the scope allows")
	cmd.AddCommand(create)
	cmd.AddCommand(readCmds(f, adminclient.Scopes, "scope")...)
	cmd.AddCommand(deleteCmd(f, adminclient.Scopes, "scope", true))
	return cmd
}
