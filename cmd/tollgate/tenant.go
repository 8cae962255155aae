package main

import (
	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
)

// newTenantCmd manages tenants; only the bootstrap token may.
func newTenantCmd() *cobra.Command {
	cmd, f := newAdminCmd("tenant", "Manage tenants (bootstrap token only)")
	var name string
	create := &cobra.Command{
		Use:   "create ID",
		Short: "Create a tenant with its built-in admin role and scope",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			r, err := c.Create(cmd.Context(), adminclient.Tenants, args[0], map[string]any{"name": name})
			if err != nil {
				return err
			}
			return printCreated(cmd, f, adminclient.Tenants, r)
		},
	}
	create.Flags().StringVar(&name, "name", "", "display name")
	cmd.AddCommand(create)
	cmd.AddCommand(crudCmds(f, adminclient.Tenants, "tenant")...)
	return cmd
}
