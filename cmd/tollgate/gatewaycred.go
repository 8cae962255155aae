package main

import (
	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
)

// newGatewayCredentialCmd manages the credentials with which remote
// gateways (`tollgate gateway --key-manager … --token …`) read the
// gateway feed; only the bootstrap token may.
func newGatewayCredentialCmd() *cobra.Command {
	cmd, f := newAdminCmd("gateway-credential", "Manage remote gateways' credentials (bootstrap token only)")
	var description string
	create := &cobra.Command{
		Use:   "create ID",
		Short: "Create a gateway credential; it is printed once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			attrs := map[string]any{}
			if description != "" {
				attrs["description"] = description
			}
			r, err := c.Create(cmd.Context(), adminclient.GatewayCredentials, args[0], attrs)
			if err != nil {
				return err
			}
			cols := append([]string{"bearerToken"}, adminclient.Columns[adminclient.GatewayCredentials]...)
			return adminclient.PrintOne(cmd.OutOrStdout(), f.output, cols, r)
		},
	}
	create.Flags().StringVar(&description, "description", "", "which gateway it is for")
	cmd.AddCommand(create)
	cmd.AddCommand(crudCmds(f, adminclient.GatewayCredentials, "gateway credential")...)
	return cmd
}
