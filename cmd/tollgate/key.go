package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newKeyCmd manages a tenant's signing keys.
func newKeyCmd() *cobra.Command {
	cmd, f := newAdminCmd("key", "Manage signing keys")
	cmd.AddCommand(&cobra.Command{
		Use:   "rotate",
		Short: "Make a new signing key; tokens signed with the old one stay valid until they expire",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if err := c.RotateSigningKey(cmd.Context()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "rotated the signing key of tenant %s\n", f.tenant)
			return nil
		},
	})
	return cmd
}
