package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/configfile"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/adminapi"
)

// applyConfigFile applies serve --config's file at start, as the
// bootstrap token would: each tenant it names is created, or brought to
// match it, in one transaction. A bad file stops the start, naming the
// file, the tenant and the place in the document. The secrets made for
// what it created are printed once, like the bootstrap token.
func applyConfigFile(ctx context.Context, api *adminapi.Handler, path string, out io.Writer, log *slog.Logger) error {
	if path == "" {
		return nil
	}
	docs, err := configfile.Load(path, os.Getenv)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	for _, d := range docs {
		res, err := api.ApplyConfig(ctx, admin.Principal{Bootstrap: true}, d.Tenant, d.JSON, false, false)
		for try := 1; try < 3 && errors.Is(err, domain.ErrConflict); try++ {
			// Nodes starting together: another node created the same
			// things first; apply again against what it made.
			time.Sleep(time.Duration(try) * 200 * time.Millisecond)
			res, err = api.ApplyConfig(ctx, admin.Principal{Bootstrap: true}, d.Tenant, d.JSON, false, false)
		}
		if err != nil {
			return fmt.Errorf("--config %s: tenant %s: %w", path, d.Tenant, adminapi.Describe(err))
		}
		log.Info("configuration applied", "file", path, "tenant", d.Tenant, "changes", len(res.Changes))
		for _, s := range res.Secrets {
			fmt.Fprintf(out, "\n%s %s of tenant %s: %s (shown once): %s\n", s.Kind, s.ID, d.Tenant, s.Name, s.Secret)
		}
	}
	return nil
}
