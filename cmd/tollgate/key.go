package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newKeyCmd manages a tenant's signing keys.
func newKeyCmd() *cobra.Command {
	cmd, f := newAdminCmd("key", "Manage signing keys")
	var alg string
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Make a new signing key; tokens signed with the old one stay valid until they expire",
		Long: "Make a new signing key for the tenant. Tokens signed with the old key stay valid until they\n" +
			"expire. --alg switches the tenant to another algorithm (ES256, EdDSA or RS256); without it\n" +
			"the new key has the old one's algorithm.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if err := c.RotateSigningKey(cmd.Context(), alg); err != nil {
				return err
			}
			if alg != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "rotated the signing key of tenant %s; new tokens are signed with %s\n", f.tenant, alg)
			} else {
				fmt.Fprintf(cmd.ErrOrStderr(), "rotated the signing key of tenant %s\n", f.tenant)
			}
			return nil
		},
	}
	rotate.Flags().StringVar(&alg, "alg", "", "algorithm of the new key: ES256, EdDSA or RS256 (default: the current key's)")
	cmd.AddCommand(rotate)
	return cmd
}
