package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
)

// newAPICmd manages the APIs published through the gateway.
func newAPICmd() *cobra.Command {
	cmd, f := newAdminCmd("api", "Manage APIs published through the gateway")
	var context, upstream, fromFile string
	var resources []string
	create := &cobra.Command{
		Use:   "create ID",
		Short: "Publish an API through the gateway",
		Long: `Publish an API. Resources are given as --resource 'METHOD PATH [SCOPE…]',
repeated; the word "public" instead of scopes makes a resource that needs no
token. --from-file reads the attributes as JSON:
{"context":"/orders/v1","upstream":"http://…","resources":[{"method":"GET","path":"/items/{id}","scopes":["orders:read"]}]}`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			attrs, err := apiAttrs(fromFile, context, upstream, resources)
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			r, err := c.Create(cmd.Context(), adminclient.APIs, args[0], attrs)
			if err != nil {
				return err
			}
			return printCreated(cmd, f, adminclient.APIs, r)
		},
	}
	create.Flags().StringVar(&context, "context", "", "gateway path prefix, e.g. /orders/v1")
	create.Flags().StringVar(&upstream, "upstream", "", "upstream base URL, http or https")
	create.Flags().StringArrayVar(&resources, "resource", nil, "'METHOD PATH [SCOPE…|public]', repeatable")
	create.Flags().StringVar(&fromFile, "from-file", "", "JSON file with the API's attributes")
	cmd.AddCommand(create)
	cmd.AddCommand(crudCmds(f, adminclient.APIs, "API")...)
	return cmd
}

// apiAttrs builds the create attributes from a file, overridden by flags.
func apiAttrs(fromFile, context, upstream string, resources []string) (map[string]any, error) {
	attrs := map[string]any{}
	if fromFile != "" {
		b, err := os.ReadFile(fromFile)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &attrs); err != nil {
			return nil, fmt.Errorf("%s: %w", fromFile, err)
		}
	}
	if context != "" {
		attrs["context"] = context
	}
	if upstream != "" {
		attrs["upstream"] = upstream
	}
	if len(resources) > 0 {
		var rs []map[string]any
		for _, s := range resources {
			r, err := parseResourceFlag(s)
			if err != nil {
				return nil, err
			}
			rs = append(rs, r)
		}
		attrs["resources"] = rs
	}
	return attrs, nil
}

func parseResourceFlag(s string) (map[string]any, error) {
	f := strings.Fields(s)
	if len(f) < 2 {
		return nil, fmt.Errorf("--resource %q: want 'METHOD PATH [SCOPE…|public]'", s)
	}
	r := map[string]any{"method": strings.ToUpper(f[0]), "path": f[1], "scopes": []string{}}
	if len(f) == 3 && f[2] == "public" {
		r["public"] = true
	} else {
		r["scopes"] = f[2:]
	}
	return r, nil
}
