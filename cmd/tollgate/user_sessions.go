package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
)

// userSessionCmds are `tollgate user sessions|logout|consents|
// revoke-consent`: a user's browser sessions and consents. Like `user
// token`, --token may be an admin's or the user's own.
func userSessionCmds(f *adminFlags) []*cobra.Command {
	var session string
	logout := &cobra.Command{
		Use:   "logout USER",
		Short: "Sign a user out of every browser session, or of one with --session",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if session != "" {
				if err := c.EndSession(cmd.Context(), args[0], session); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "ended session %s of %s\n", session, args[0])
				return nil
			}
			if err := c.EndSessions(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "ended every session of %s\n", args[0])
			return nil
		},
	}
	logout.Flags().StringVar(&session, "session", "", "end only this session (an id from `tollgate user sessions`)")
	return []*cobra.Command{
		userListCmd(f, "sessions USER", "List a user's browser sessions", adminclient.Sessions,
			(*adminclient.Client).ListSessions),
		logout,
		userListCmd(f, "consents USER", "List the applications a user consented to", adminclient.Consents,
			(*adminclient.Client).ListConsents),
		{
			Use:   "revoke-consent USER CLIENT_ID",
			Short: "Forget a user's consent to an application; it must ask again",
			Args:  cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				c, err := f.client()
				if err != nil {
					return err
				}
				if err := c.RevokeConsent(cmd.Context(), args[0], args[1]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "revoked the consent of %s to %s\n", args[0], args[1])
				return nil
			},
		},
	}
}

// userListCmd lists one of a user's collections with list.
func userListCmd(f *adminFlags, use, short, columns string,
	list func(*adminclient.Client, context.Context, string) ([]adminclient.Resource, error)) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			rs, err := list(c, cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return adminclient.PrintList(cmd.OutOrStdout(), f.output, adminclient.Columns[columns], rs)
		},
	}
}
