package main

import (
	"net/url"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
)

// newAuditCmd lists a tenant's audit events.
func newAuditCmd() *cobra.Command {
	cmd, f := newAdminCmd("audit", "List audit events (issuance, refusals, revocations, admin changes), newest first")
	var since, until, action, grant, outcome, client, user string
	var limit int
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		c, err := f.client()
		if err != nil {
			return err
		}
		q := url.Values{"since": {since}, "until": {until}, "action": {action}, "grant": {grant},
			"outcome": {outcome}, "client": {client}, "user": {user}}
		rs, err := c.Audit(cmd.Context(), q, limit)
		if err != nil {
			return err
		}
		return adminclient.PrintList(cmd.OutOrStdout(), f.output,
			[]string{"time", "action", "grant", "outcome", "reason", "clientId", "userId", "target", "remoteAddr", "requestId"}, rs)
	}
	fl := cmd.Flags()
	fl.StringVar(&since, "since", "", "only events at or after this RFC 3339 time")
	fl.StringVar(&until, "until", "", "only events before this RFC 3339 time")
	fl.StringVar(&action, "action", "", "only this action (token, revoke, introspect, application.create, …)")
	fl.StringVar(&grant, "grant", "", "only token events of this grant type")
	fl.StringVar(&outcome, "outcome", "", "only success or failure")
	fl.StringVar(&client, "client", "", "only this client id")
	fl.StringVar(&user, "user", "", "only this user")
	fl.IntVar(&limit, "limit", 100, "at most this many events (0: all)")
	return cmd
}
