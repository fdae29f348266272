package ui

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
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

// A database cut short (a full disk, a copy stopped half-way) is set
// aside, never deleted: the console starts on a new one, reads the fleet
// again and says in a toast which file it set aside.
func TestACutDatabaseIsSetAsideAndSaid(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	h := start(t, setup{cfg: func(c *Config) { c.StateDir = src }})
	h.scr.waitText(t, "Devices 30")
	h.quit(t)
	if n, _ := kept(t, src); n != 30 {
		t.Fatalf("%d devices kept, want 30", n)
	}
	files, _ := filepath.Glob(filepath.Join(src, "sqc-*.db"))
	if len(files) != 1 {
		t.Fatalf("databases: %v", files)
	}
	whole, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, uint64(len(whole))))
	for _, cut := range []int{100, 16384 + rng.IntN(len(whole)-16384)} {
		t.Run(strconv.Itoa(cut), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			db := filepath.Join(dir, filepath.Base(files[0]))
			if err := os.WriteFile(db, whole[:cut], 0o600); err != nil {
				t.Fatal(err)
			}
			h := start(t, setup{cfg: func(c *Config) { c.StateDir = dir }})
			h.scr.waitText(t, "set aside")
			h.scr.waitText(t, "Devices 30")
			h.quit(t)
			aside, _ := filepath.Glob(db + ".damaged-*")
			if len(aside) == 0 {
				t.Fatal("nothing set aside")
			}
			if b, _ := os.ReadFile(aside[0]); len(b) != cut {
				t.Errorf("the file set aside holds %d bytes, want the %d there were", len(b), cut)
			}
		})
	}
}

// A state folder the database cannot be made in: the console runs and
// reads the fleet all the same, keeping nothing (the start says why: see
// TestDraftTheDatabaseRefusesIsKeptInTheConsole).
func TestNoDatabaseTheConsoleRunsOnWhatItReads(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "not-a-folder")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := start(t, setup{cfg: func(c *Config) { c.StateDir = filepath.Join(file, "sqc") }})
	h.scr.waitText(t, "Devices 30")
	h.key("j")
	h.scr.waitText(t, "message ")
	h.quit(t)
}
