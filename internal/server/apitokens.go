package server

import (
	"context"
	"time"
)

// apiTokenFlushEvery is how stale a token's stored last-used time may be:
// uses are batched in memory so requests never wait for a write.
const apiTokenFlushEvery = 5 * time.Second

// flushAPITokenUses writes the last uses noted before shutdown, after the
// server stopped taking requests and before the store closes.
func (s *Server) flushAPITokenUses(ctx context.Context) {
	if err := s.apiTokens.Flush(ctx); err != nil {
		s.log.Warn("api token last-use flush at shutdown failed", "err", err)
	}
}
