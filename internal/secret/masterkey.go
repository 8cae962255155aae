package secret

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// LoadOrCreateMasterKey reads a 32-byte key from path, or creates the file
// (mode 0600) with a random key when it does not exist.
//
// The file holds the key as 64 lower-case hex digits and a newline, so an
// operator can back it up or move it into a secret manager by copy and
// paste. Surrounding white space is ignored on reading; anything else that
// does not decode to exactly 32 bytes is refused rather than padded or cut,
// since a wrong key would make every sealed secret unreadable.
//
// Creation is atomic: the key is written to a temporary file and hard-linked
// into place, which fails if path exists. Two processes starting at once
// thus agree on one key and neither ever reads a half-written file.
func LoadOrCreateMasterKey(path string) ([]byte, error) {
	key, err := readMasterKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := createMasterKey(path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	// Read back whatever won the race: our key or another process's.
	return readMasterKey(path)
}

func readMasterKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err // keeps fs.ErrNotExist visible to the caller
	}
	text := strings.TrimSpace(string(b))
	if len(text) != 2*MasterKeySize {
		return nil, fmt.Errorf("secret: master key file %s: want %d hex digits, found %d characters", path, 2*MasterKeySize, len(text))
	}
	key, err := hex.DecodeString(text)
	if err != nil {
		return nil, fmt.Errorf("secret: master key file %s: not hex", path)
	}
	return key, nil
}

func createMasterKey(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	content := []byte(hex.EncodeToString(randBytes(MasterKeySize)) + "\n")

	tmp, err := os.CreateTemp(dir, ".masterkey-*") // O_EXCL, mode 0600
	if err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return fmt.Errorf("secret: writing master key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("secret: writing master key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("secret: writing master key: %w", err)
	}
	err = os.Link(tmpName, path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	// Some file systems have no hard links; fall back to O_EXCL on the
	// final name, which is still exclusive though not all-or-nothing.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(content); err != nil {
		f.Close()
		return fmt.Errorf("secret: writing master key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("secret: writing master key: %w", err)
	}
	return f.Close()
}
