package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
)

// userFlags are the attributes a user command may set.
type userFlags struct {
	email, displayName, password string
	passwordStdin, disabled      bool
	roles                        []string
}

func (u *userFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&u.email, "email", "", "email address")
	fs.StringVar(&u.displayName, "display-name", "", "display name")
	fs.StringVar(&u.password, "password", "", "password (prefer --password-stdin: flags show up in process lists)")
	fs.BoolVar(&u.passwordStdin, "password-stdin", false, "read the password from standard input")
	fs.StringArrayVar(&u.roles, "role", nil, "role (repeatable)")
	fs.BoolVar(&u.disabled, "disabled", false, "disable the user")
}

// attributes returns the attributes whose flags were given.
func (u *userFlags) attributes(cmd *cobra.Command) (map[string]any, error) {
	fs := cmd.Flags()
	attrs := map[string]any{}
	if fs.Changed("email") {
		attrs["email"] = u.email
	}
	if fs.Changed("display-name") {
		attrs["displayName"] = u.displayName
	}
	if fs.Changed("role") {
		attrs["roles"] = list(u.roles)
	}
	if fs.Changed("disabled") {
		attrs["disabled"] = u.disabled
	}
	switch {
	case u.passwordStdin && fs.Changed("password"):
		return nil, errors.New("--password and --password-stdin exclude each other")
	case u.passwordStdin:
		pw, err := readPassword(cmd.InOrStdin())
		if err != nil {
			return nil, err
		}
		attrs["password"] = pw
	case fs.Changed("password"):
		attrs["password"] = u.password
	}
	return attrs, nil
}

// newUserCmd manages a tenant's users.
func newUserCmd() *cobra.Command {
	cmd, f := newAdminCmd("user", "Manage users")
	cmd.AddCommand(
		saveCmd(f, adminclient.Users, "create", "Create a user", &userFlags{}),
		saveCmd(f, adminclient.Users, "update", "Change the given attributes of a user", &userFlags{}))
	cmd.AddCommand(crudCmds(f, adminclient.Users, "user")...)
	cmd.AddCommand(newUserImportCmd(f)) // in import.go
	cmd.AddCommand(newUserTokenCmd(f))
	cmd.AddCommand(userSessionCmds(f)...) // in user_sessions.go
	cmd.AddCommand(&cobra.Command{
		Use:   "unlock ID",
		Short: "Clear a user's failed sign-ins, so they may sign in again at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if err := c.UnlockUser(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "cleared the failed sign-ins of user %s in tenant %s\n", args[0], f.tenant)
			return nil
		},
	})
	return cmd
}
