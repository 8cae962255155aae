// Command tollgate is the Tollgate server and its admin CLI. This package
// only wires: it parses flags and environment, picks implementations and
// hands them to constructors.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "tollgate",
		Short:         "Access-token service and API gateway",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return bindEnv(cmd.Flags())
		},
	}
	root.AddCommand(
		newServeCmd(),
		newGatewayCmd(),
		newGatewayCredentialCmd(),
		newTenantCmd(),
		newUserCmd(),
		newEmbedCmd(),
		newRoleCmd(),
		newScopeCmd(),
		newAPICmd(),
		newAppCmd(),
		newIdpCmd(),
		newBrokerCmd(),
		newKeyCmd(),
		newTokenCmd(),
		newAuditCmd(),
		newExportCmd(),
		newApplyCmd(),
		newDiffCmd(),
		newVersionCmd(),
	)
	return root
}

// bindEnv lets every flag be set as TOLLGATE_<FLAG> (dashes become
// underscores); a flag given on the command line wins.
func bindEnv(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || err != nil {
			return
		}
		name := "TOLLGATE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s: %w", name, e)
			}
		}
	})
	return err
}
