package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
)

// ErrUnseal: a sealed value is corrupt, was tampered with, was sealed with
// another master key or is bound to other associated data.
var ErrUnseal = errors.New("cannot open sealed secret")

// MasterKeySize is the length of the master key (AES-256).
const MasterKeySize = 32

// sealV1 is the format byte of AES-256-GCM with a random 96-bit nonce:
// sealV1 || nonce (12) || ciphertext || tag (16). The byte comes first so a
// later format (another AEAD, a key id for master-key rotation) can be told
// apart from old rows without guessing.
const sealV1 byte = 1

const nonceLen = 12 // GCM standard nonce, NIST SP 800-38D §8.2.2

// Sealer encrypts secrets at rest with the master key (AES-256-GCM).
// It is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer for a 32-byte master key.
func NewSealer(masterKey []byte) (*Sealer, error) {
	if len(masterKey) != MasterKeySize {
		return nil, fmt.Errorf("secret: master key must be %d bytes, got %d", MasterKeySize, len(masterKey))
	}
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext, binding it to associatedData (e.g. tenant+kid),
// so a sealed value copied to another row fails to open.
//
// Random nonces are safe here: the number of values sealed under one master
// key (signing keys, embed secrets) stays far below the 2^32 limit of
// NIST SP 800-38D §8.3.
func (s *Sealer) Seal(plaintext, associatedData []byte) ([]byte, error) {
	out := make([]byte, 1+nonceLen, 1+nonceLen+len(plaintext)+s.aead.Overhead())
	out[0] = sealV1
	copy(out[1:], randBytes(nonceLen))
	return s.aead.Seal(out, out[1:1+nonceLen], plaintext, sealAD(sealV1, associatedData)), nil
}

// Open decrypts what Seal produced. Any failure wraps ErrUnseal.
func (s *Sealer) Open(sealed, associatedData []byte) ([]byte, error) {
	if len(sealed) < 1+nonceLen+s.aead.Overhead() {
		return nil, fmt.Errorf("%w: too short", ErrUnseal)
	}
	if sealed[0] != sealV1 {
		return nil, fmt.Errorf("%w: unknown format %d", ErrUnseal, sealed[0])
	}
	pt, err := s.aead.Open(nil, sealed[1:1+nonceLen], sealed[1+nonceLen:], sealAD(sealV1, associatedData))
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrUnseal)
	}
	return pt, nil
}

// sealAD authenticates the format byte together with the caller's data, so
// the version cannot be swapped without detection.
func sealAD(version byte, ad []byte) []byte {
	out := make([]byte, 0, 1+len(ad))
	return append(append(out, version), ad...)
}
