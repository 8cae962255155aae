package token

import "testing"

// testStore is what the keyring and revocation tests need from a store.
type testStore interface {
	KeyStore
	RevocationStore
}

func newTestStore(t testing.TB) testStore {
	return newMemStore()
}
