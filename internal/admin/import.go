package admin

import (
	"context"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/importer"
)

// ImportUsers imports the users src yields into tenant, recording source
// (domain.SourceCSV or domain.SourceDatabase) on the users it creates.
// The report comes back also with an error, for the rows done before the
// source or the store failed.
func (s *Service) ImportUsers(ctx context.Context, p Principal, tenant, source string, src importer.Source,
	progress func(rows int)) (*importer.Report, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	if source != domain.SourceCSV && source != domain.SourceDatabase {
		return nil, domain.Invalid("source", "must be %q or %q", domain.SourceCSV, domain.SourceDatabase)
	}
	im := &importer.Importer{Store: s.store, Hasher: s.hasher, Source: source, Progress: progress,
		PasswordMinLength: s.minPass}
	return im.Import(ctx, tenant, src)
}
