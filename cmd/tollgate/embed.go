package main

import (
	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
)

var embedColumns = []string{"enabled", "scopes", "hasSecret", "clientId", "accessTokenTtl", "refreshTokenTtl"}

// newEmbedCmd manages the tenant's embed-secret authentication.
func newEmbedCmd() *cobra.Command {
	cmd, f := newAdminCmd("embed", "Manage embed-secret authentication (grant_type=embed_secret)")
	show := func(cmd *cobra.Command, r *adminclient.Resource, cols []string) error {
		return adminclient.PrintOne(cmd.OutOrStdout(), f.output, cols, r)
	}
	update := func(enabled *bool) *cobra.Command {
		var scopes []string
		var access, refresh int64
		use, short := "update", "Change the embed application's scopes or token lifetimes"
		if enabled != nil && *enabled {
			use, short = "enable", "Enable embed authentication (generate a secret first)"
		} else if enabled != nil {
			use, short = "disable", "Disable embed authentication; embed requests are refused at once"
		}
		c := &cobra.Command{
			Use: use, Short: short, Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				attrs := map[string]any{}
				if enabled != nil {
					attrs["enabled"] = *enabled
				}
				fs := cmd.Flags()
				if fs.Changed("scope") {
					attrs["scopes"] = list(scopes)
				}
				if fs.Changed("access-token-ttl") {
					attrs["accessTokenTtl"] = access
				}
				if fs.Changed("refresh-token-ttl") {
					attrs["refreshTokenTtl"] = refresh
				}
				c, err := f.client()
				if err != nil {
					return err
				}
				r, err := c.UpdateEmbedSettings(cmd.Context(), attrs)
				if err != nil {
					return err
				}
				return show(cmd, r, embedColumns)
			},
		}
		c.Flags().StringArrayVar(&scopes, "scope", nil, "scope the embed application may grant (repeatable)")
		c.Flags().Int64Var(&access, "access-token-ttl", 0, "access token lifetime in seconds")
		c.Flags().Int64Var(&refresh, "refresh-token-ttl", 0, "refresh token lifetime in seconds")
		return c
	}
	on, off := true, false
	cmd.AddCommand(
		&cobra.Command{
			Use: "show", Short: "Show the embed settings", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				c, err := f.client()
				if err != nil {
					return err
				}
				r, err := c.EmbedSettings(cmd.Context())
				if err != nil {
					return err
				}
				return show(cmd, r, embedColumns)
			},
		},
		&cobra.Command{
			Use:   "secret",
			Short: "Generate or regenerate the embed secret (shown once; the old one stops working at once)",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				c, err := f.client()
				if err != nil {
					return err
				}
				r, err := c.RegenerateEmbedSecret(cmd.Context())
				if err != nil {
					return err
				}
				return show(cmd, r, append([]string{"embedSecret"}, embedColumns...))
			},
		},
		update(&on), update(&off), update(nil),
	)
	return cmd
}
