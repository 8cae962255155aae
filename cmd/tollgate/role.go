package main

import (
	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
)

// newRoleCmd manages a tenant's roles.
func newRoleCmd() *cobra.Command {
	cmd, f := newAdminCmd("role", "Manage roles")
	var scopes []string
	create := &cobra.Command{
		Use:   "create ID",
		Short: "Create a role holding scopes",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			r, err := c.Create(cmd.Context(), adminclient.Roles, args[0], map[string]any{"scopes": list(scopes)})
			if err != nil {
				return err
			}
			return printCreated(cmd, f, adminclient.Roles, r)
		},
	}
	create.Flags().StringArrayVar(&scopes, "scope", nil, "scope the role grants (repeatable)")
	cmd.AddCommand(create)
	cmd.AddCommand(readCmds(f, adminclient.Roles, "role")...)
	cmd.AddCommand(deleteCmd(f, adminclient.Roles, "role", true))
	return cmd
}

// list keeps an unset repeatable flag an empty JSON array.
func list(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
