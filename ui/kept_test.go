package ui

import (
	"context"
	"testing"
	"time"

	"sqc/keys"
	"sqc/state"
)

// kept is what the console's database in dir keeps of its fleet: how
// many devices, and the device open when a console last closed it.
func kept(t *testing.T, dir string) (devices int, focus string) {
	t.Helper()
	db, err := state.OpenDB(dir, "acme", keys.Fingerprint(uiKey), time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sf, err := state.LoadFleet(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return sf.Len(), sf.Focus
}
