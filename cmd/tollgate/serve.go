package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/config"
	"github.com/tollgate-dev/tollgate/internal/server"
)

func newServeCmd() *cobra.Command {
	var cfg config.Server
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the token service, admin API and gateway",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			s, err := server.New(ctx, &cfg, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			return s.Run(ctx)
		},
	}
	cfg.Flags(cmd.Flags())
	return cmd
}
