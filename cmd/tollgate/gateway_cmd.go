package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/config"
	"github.com/tollgate-dev/tollgate/internal/server"
)

func newGatewayCmd() *cobra.Command {
	var cfg config.Gateway
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "Run only the API gateway, fed by a token service elsewhere",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			g, err := server.NewGateway(&cfg)
			if err != nil {
				return err
			}
			return g.Run(ctx)
		},
	}
	cfg.Flags(cmd.Flags())
	return cmd
}
