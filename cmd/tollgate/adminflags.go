package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
	"github.com/tollgate-dev/tollgate/internal/domain"
)

// adminFlags are the persistent flags of every admin command; bindEnv
// reads them from TOLLGATE_URL, TOLLGATE_TOKEN, TOLLGATE_TENANT and
// TOLLGATE_OUTPUT too.
type adminFlags struct {
	url, token, tenant, output string
}

// newAdminCmd returns a command group with the admin flags.
func newAdminCmd(use, short string) (*cobra.Command, *adminFlags) {
	f := &adminFlags{}
	cmd := &cobra.Command{Use: use, Short: short}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.url, "url", "http://127.0.0.1:8080", "base URL of the Tollgate server")
	pf.StringVar(&f.token, "token", "", "bearer token for the admin API (bootstrap token, admin API or access token)")
	pf.StringVar(&f.tenant, "tenant", domain.DefaultTenant, "tenant to manage")
	pf.StringVarP(&f.output, "output", "o", adminclient.FormatTable, "output format: table or json")
	return cmd, f
}

// client checks the output format and returns a client for the flags.
func (f *adminFlags) client() (*adminclient.Client, error) {
	if err := adminclient.CheckFormat(f.output); err != nil {
		return nil, err
	}
	return adminclient.New(f.url, f.token, f.tenant), nil
}

// crudCmds returns the list, get and delete subcommands of a collection,
// which differ only in the collection they address.
func crudCmds(f *adminFlags, collection, noun string) []*cobra.Command {
	return append(readCmds(f, collection, noun), deleteCmd(f, collection, noun, false))
}

// readCmds returns the list and get subcommands of a collection.
func readCmds(f *adminFlags, collection, noun string) []*cobra.Command {
	cols := adminclient.Columns[collection]
	return []*cobra.Command{
		{
			Use:   "list",
			Short: "List " + collection,
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				c, err := f.client()
				if err != nil {
					return err
				}
				rs, err := c.List(cmd.Context(), collection, 0)
				if err != nil {
					return err
				}
				return adminclient.PrintList(cmd.OutOrStdout(), f.output, cols, rs)
			},
		},
		{
			Use:   "get ID",
			Short: "Show one " + noun,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				c, err := f.client()
				if err != nil {
					return err
				}
				r, err := c.Get(cmd.Context(), collection, args[0])
				if err != nil {
					return err
				}
				return adminclient.PrintOne(cmd.OutOrStdout(), f.output, cols, r)
			},
		},
	}
}

// deleteCmd returns the delete subcommand of a collection; forceable
// gives it --force, for roles and scopes that records still name.
func deleteCmd(f *adminFlags, collection, noun string, forceable bool) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a " + noun,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			del := c.Delete
			if force {
				del = c.ForceDelete
			}
			if err := del(cmd.Context(), collection, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "deleted %s %s\n", noun, args[0])
			return nil
		},
	}
	if forceable {
		cmd.Flags().BoolVar(&force, "force", false,
			"also remove the "+noun+" from the users, roles and applications that use it (never from APIs)")
	}
	return cmd
}

// printCreated prints a created or updated resource.
func printCreated(cmd *cobra.Command, f *adminFlags, collection string, r *adminclient.Resource) error {
	return adminclient.PrintOne(cmd.OutOrStdout(), f.output, adminclient.Columns[collection], r)
}

// readPassword reads one line from r, for --password-stdin.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}

// attributeFlags are the flags of a create or update command that make
// the resource's attributes.
type attributeFlags interface {
	register(cmd *cobra.Command)
	attributes(cmd *cobra.Command) (map[string]any, error)
}

// saveCmd is "create ID" or "update ID" (verb) of collection: the
// attributes flags give, written through the admin API.
func saveCmd(f *adminFlags, collection, verb, short string, flags attributeFlags) *cobra.Command {
	sub := &cobra.Command{
		Use:   verb + " ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			attrs, err := flags.attributes(cmd)
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			save := c.Update
			if verb == "create" {
				save = c.Create
			}
			r, err := save(cmd.Context(), collection, args[0], attrs)
			if err != nil {
				return err
			}
			return printCreated(cmd, f, collection, r)
		},
	}
	flags.register(sub)
	return sub
}
