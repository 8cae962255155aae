package authn

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
)

// BootstrapSettingKey is the setting that holds the hex SHA-256 of the
// bootstrap token.
const BootstrapSettingKey = "bootstrap_token_hash"

// SettingStore reads and writes server settings.
type SettingStore interface {
	GetSetting(ctx context.Context, key string) (string, error)
	PutSetting(ctx context.Context, key, value string) error
}

// SetBootstrapToken stores the hash of tok as the bootstrap token; the
// token itself is never stored.
func SetBootstrapToken(ctx context.Context, st SettingStore, tok string) error {
	if tok == "" {
		return domain.Invalid("bootstrapToken", "is empty")
	}
	return st.PutSetting(ctx, BootstrapSettingKey, hex.EncodeToString(secret.HashToken(tok)))
}

// Bootstrap authenticates the server's bootstrap token, which may do
// everything on every tenant. It has no prefix of its own (an operator may
// choose it), so it is compared with every credential: ask it first.
type Bootstrap struct {
	st SettingStore

	mu   sync.Mutex
	hash []byte // cached after the first successful read, until Changed
}

// NewBootstrap returns the bootstrap-token method reading st.
func NewBootstrap(st SettingStore) *Bootstrap { return &Bootstrap{st: st} }

// Changed forgets the cached hash when the bootstrap token was set again,
// by a node started with another --bootstrap-token (a feed.Handler).
func (m *Bootstrap) Changed(_ context.Context, c domain.Change) error {
	if (c.Entity == domain.EntitySetting && c.ID == BootstrapSettingKey) || c.Everything() {
		m.mu.Lock()
		m.hash = nil
		m.mu.Unlock()
	}
	return nil
}

// Kind implements Method.
func (*Bootstrap) Kind() Kind { return KindBootstrap }

// Verify implements Method: raw is the bootstrap token or not of this
// kind. Failing to read the stored hash is an error for every credential,
// since none can be told apart from the bootstrap token without it.
func (m *Bootstrap) Verify(ctx context.Context, _, raw string) (*Principal, bool, error) {
	want, err := m.stored(ctx)
	if err != nil {
		return nil, true, err
	}
	if want == nil || !secret.Equal(secret.HashToken(raw), want) {
		return nil, false, nil
	}
	return &Principal{Kind: KindBootstrap}, true, nil
}

// stored returns the stored bootstrap hash, nil when none is set.
func (m *Bootstrap) stored(ctx context.Context) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hash != nil {
		return m.hash, nil
	}
	v, err := m.st.GetSetting(ctx, BootstrapSettingKey)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read bootstrap token hash: %w", err)
	}
	h, err := hex.DecodeString(v)
	if err != nil || len(h) == 0 {
		return nil, fmt.Errorf("setting %s is not a hex hash", BootstrapSettingKey)
	}
	m.hash = h
	return h, nil
}
