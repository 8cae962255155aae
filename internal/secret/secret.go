// Package secret owns how Tollgate keeps secrets: argon2id password hashes
// with bounded concurrency, fast SHA-256 hashes for high-entropy generated
// secrets, and AES-256-GCM sealing with the master key for secrets the
// server must read back (signing keys, embed secrets).
package secret

import (
	"context"
	"errors"
	"time"
)

// ErrOverloaded: too many password hashes are queued; the caller should
// answer 503 with Retry-After rather than queue without bound.
var ErrOverloaded = errors.New("password hashing overloaded")

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultParams follow OWASP's argon2id recommendation (m=19 MiB, t=2, p=1).
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// Hasher hashes and verifies passwords. At most maxConcurrent hashes run at
// once; a caller waiting longer than maxWait for a slot gets ErrOverloaded.
type Hasher struct{}

// NewHasher returns a Hasher. maxConcurrent <= 0 means runtime.GOMAXPROCS.
func NewHasher(p Params, maxConcurrent int, maxWait time.Duration) *Hasher {
	panic("todo")
}

// Hash returns the PHC string of an argon2id hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	panic("todo")
}

// Verify checks password against an encoded hash. rehash is true when the
// hash is valid but not argon2id at the current parameters.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	panic("todo")
}

// VerifyDummy spends the time of a real verification; callers use it when
// the user does not exist so timing does not reveal that.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	panic("todo")
}

// QueueDepth returns how many callers wait for a hashing slot.
func (h *Hasher) QueueDepth() int { panic("todo") }

// HashToken returns the SHA-256 of a high-entropy server-generated secret
// (client secret, refresh token, API token). Such secrets need no slow hash.
func HashToken(s string) []byte { panic("todo") }

// Equal compares two byte strings in constant time.
func Equal(a, b []byte) bool { panic("todo") }

// Sealer encrypts secrets at rest with the master key (AES-256-GCM).
type Sealer struct{}

// NewSealer returns a Sealer for a 32-byte master key.
func NewSealer(masterKey []byte) (*Sealer, error) { panic("todo") }

// Seal encrypts plaintext, binding it to associatedData (e.g. tenant+kid),
// so a sealed value copied to another row fails to open.
func (s *Sealer) Seal(plaintext, associatedData []byte) ([]byte, error) { panic("todo") }

// Open decrypts what Seal produced.
func (s *Sealer) Open(sealed, associatedData []byte) ([]byte, error) { panic("todo") }

// LoadOrCreateMasterKey reads a 32-byte key from path, or creates the file
// (mode 0600) with a random key when it does not exist.
func LoadOrCreateMasterKey(path string) ([]byte, error) { panic("todo") }
