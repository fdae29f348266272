package ui

import (
	"os"
	"path/filepath"
	"testing"
)

// A console whose state folder cannot be made (it sits under a file) says
// at start that the state database could not be opened, and runs on.
func TestStartSaysTheDatabaseCouldNotBeOpened(t *testing.T) {
	t.Parallel()
	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	h := start(t, setup{devices: 3, w: 80, h: 24, cfg: func(c *Config) { c.StateDir = filepath.Join(blocked, "state") }})
	h.scr.waitText(t, "Devices 3")
	h.scr.waitText(t, "the state database could not be opened")
	h.quit(t)
}
