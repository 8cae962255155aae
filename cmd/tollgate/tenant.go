package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
)

// newTenantCmd manages tenants; only the bootstrap token may.
func newTenantCmd() *cobra.Command {
	cmd, f := newAdminCmd("tenant", "Manage tenants (bootstrap token only)")
	for _, verb := range []string{"create", "update"} {
		var name, maxTTL, idle, maxAge string
		sub := &cobra.Command{
			Use: verb + " ID",
			Short: map[string]string{
				"create": "Create a tenant with its built-in admin role and scope",
				"update": "Change the given attributes of a tenant",
			}[verb],
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				attrs := map[string]any{}
				if verb == "create" || cmd.Flags().Changed("name") {
					attrs["name"] = name
				}
				if cmd.Flags().Changed("api-token-max-ttl") {
					secs, err := parseSeconds(maxTTL)
					if err != nil {
						return fmt.Errorf("--api-token-max-ttl: %w", err)
					}
					attrs["apiTokenMaxTtl"] = secs
				}
				for _, x := range []struct{ flag, attr, value string }{
					{"session-idle-timeout", "sessionIdleTimeoutSeconds", idle},
					{"session-max-age", "sessionMaxAgeSeconds", maxAge},
				} {
					if cmd.Flags().Changed(x.flag) {
						secs, err := parseSeconds(x.value)
						if err != nil {
							return fmt.Errorf("--%s: %w", x.flag, err)
						}
						attrs[x.attr] = secs
					}
				}
				c, err := f.client()
				if err != nil {
					return err
				}
				var r *adminclient.Resource
				if verb == "create" {
					r, err = c.Create(cmd.Context(), adminclient.Tenants, args[0], attrs)
				} else {
					r, err = c.Update(cmd.Context(), adminclient.Tenants, args[0], attrs)
				}
				if err != nil {
					return err
				}
				return printCreated(cmd, f, adminclient.Tenants, r)
			},
		}
		sub.Flags().StringVar(&name, "name", "", "display name")
		sub.Flags().StringVar(&maxTTL, "api-token-max-ttl", "",
			"longest lifetime of new API tokens: seconds, a Go duration (2160h) or days (90d); 0 for no cap (the default). Existing tokens keep their expiry")
		sub.Flags().StringVar(&idle, "session-idle-timeout", "",
			"how long a browser session may go unused, e.g. 30m; 0 for the default (30m)")
		sub.Flags().StringVar(&maxAge, "session-max-age", "",
			"how long a browser session lasts at most, e.g. 12h or 7d; 0 for the default (12h)")
		cmd.AddCommand(sub)
	}
	cmd.AddCommand(crudCmds(f, adminclient.Tenants, "tenant")...)
	return cmd
}

// parseSeconds reads a lifetime as whole seconds: "7776000", "2160h" (a Go
// duration) or "90d", since API-token lifetimes are thought of in days
// and Go durations have no day unit.
func parseSeconds(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("%q is negative", s)
		}
		return n, nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n < 0 || n > int64(1<<63-1)/int64(24*time.Hour) {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q is not seconds, a duration like 2160h or days like 90d", s)
		}
	}
	if d < 0 || d%time.Second != 0 {
		return 0, fmt.Errorf("%q is not a whole, non-negative number of seconds", s)
	}
	return int64(d / time.Second), nil
}
