package secret

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultParams follow OWASP's argon2id recommendation (m=19 MiB, t=2, p=1).
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// maxBcryptCost bounds imported bcrypt hashes: cost 31 would take days.
const maxBcryptCost = 15

// Hasher hashes and verifies passwords. At most maxConcurrent hashes run at
// once; a caller waiting longer than maxWait for a slot gets ErrOverloaded.
//
// The bound exists because argon2id is memory-hard on purpose: without it a
// login burst allocates Memory KiB per request until the process dies, and
// every request gets slow instead of the excess ones being refused.
type Hasher struct {
	params  Params
	sem     chan struct{}
	maxWait time.Duration
	waiting atomic.Int64
	dummy   string // a well-formed hash no password matches, for VerifyDummy
	limits  limits
}

// DefaultSlots is how many hashes a Hasher runs at once unless told
// otherwise: one per CPU the Go scheduler uses, as argon2id keeps one busy.
func DefaultSlots() int { return runtime.GOMAXPROCS(0) }

// NewHasher returns a Hasher. maxConcurrent <= 0 means DefaultSlots.
// maxWait <= 0 means callers never queue: without a free slot they get
// ErrOverloaded at once.
func NewHasher(p Params, maxConcurrent int, maxWait time.Duration) *Hasher {
	if maxConcurrent <= 0 {
		maxConcurrent = DefaultSlots()
	}
	if p.Threads == 0 {
		p.Threads = 1
	}
	h := &Hasher{
		params:  p,
		sem:     make(chan struct{}, maxConcurrent),
		maxWait: maxWait,
		limits:  defaultLimits,
	}
	// Our own parameters must always verify, even if above the defaults.
	h.limits.maxMemory = max(h.limits.maxMemory, p.Memory)
	h.limits.maxTime = max(h.limits.maxTime, p.Time)
	h.limits.maxThreads = max(h.limits.maxThreads, p.Threads)
	// The dummy hash has our parameters, so verifying against it costs
	// exactly what a real verification costs; its key is random, so no
	// password matches it (and no argon2 run is needed to build it).
	h.dummy = encodePHC(p, randBytes(saltLen), randBytes(keyLen))
	return h
}

// Hash returns the PHC string of an argon2id hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := randBytes(saltLen)
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, h.params.Time, h.params.Memory, h.params.Threads, keyLen)
	h.release()
	return encodePHC(h.params, salt, key), nil
}

// Verify checks password against an encoded hash. rehash is true when the
// hash is valid but not argon2id at the current parameters. Besides argon2id
// PHC strings it accepts, from imports and always with rehash=true, bcrypt
// ($2a$, $2b$, $2y$), PBKDF2 PHC strings and ASP.NET Identity v3 hashes.
// A malformed hash gives an error wrapping ErrMalformedHash, before any
// slot is taken.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	if handled, ok, rehash, err := h.verifyImported(ctx, password, encoded); handled {
		return ok, rehash, err
	}
	ph, err := parsePHC(encoded, h.limits)
	if err != nil {
		return false, false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	key := argon2.IDKey([]byte(password), ph.salt, ph.params.Time, ph.params.Memory, ph.params.Threads, uint32(len(ph.key)))
	h.release()
	if subtle.ConstantTimeCompare(key, ph.key) != 1 {
		return false, false, nil
	}
	rehash = ph.params != h.params || len(ph.key) != keyLen || len(ph.salt) != saltLen
	return true, rehash, nil
}

// VerifyDummy spends the time of a real verification; callers use it when
// the user does not exist so timing does not reveal that. It takes a slot
// like Verify, so it is also subject to overload.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	_, _, err := h.Verify(ctx, password, h.dummy)
	return err
}

// QueueDepth returns how many callers wait for a hashing slot.
func (h *Hasher) QueueDepth() int { return int(h.waiting.Load()) }

// acquire takes a hashing slot, waiting at most maxWait.
func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err // the caller gave up; do not burn a slot on it
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	default:
	}
	if h.maxWait <= 0 {
		return ErrOverloaded
	}
	h.waiting.Add(1)
	defer h.waiting.Add(-1)
	t := time.NewTimer(h.maxWait)
	defer t.Stop()
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-t.C:
		return ErrOverloaded
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.sem }

func isBcrypt(s string) bool {
	return strings.HasPrefix(s, "$2a$") || strings.HasPrefix(s, "$2b$") || strings.HasPrefix(s, "$2y$")
}

// verifyBcrypt checks an imported bcrypt hash; a match always asks for a
// rehash so users move to argon2id as they log in.
func (h *Hasher) verifyBcrypt(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	cost, err := bcrypt.Cost([]byte(encoded))
	if err != nil || cost > maxBcryptCost {
		return false, false, fmt.Errorf("%w: bad bcrypt hash", ErrMalformedHash)
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	err = bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password))
	h.release()
	switch {
	case err == nil:
		return true, true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword), errors.Is(err, bcrypt.ErrPasswordTooLong):
		return false, false, nil
	default:
		return false, false, fmt.Errorf("%w: bad bcrypt hash", ErrMalformedHash)
	}
}

// randBytes returns n random bytes. crypto/rand.Read never fails on the
// platforms Go supports (it crashes the program instead), so no error.
func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
