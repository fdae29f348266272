package ui

import (
	"testing"

	"sqc/api"
)

// The device open at quit is the one the next console opens on, from the
// database the engine writes after the terminal is given back.
func TestQuitKeepsTheFocusForTheNextConsole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := start(t, setup{cfg: func(c *Config) { c.StateDir = dir }})
	h.scr.waitText(t, "Devices 30")
	for range 4 {
		h.key("j")
	}
	m := h.quit(t)
	if m.focusID == "" {
		t.Fatal("no device was focused at quit")
	}
	h2 := start(t, setup{cfg: func(c *Config) {
		c.StateDir = dir
		c.Connect = func(key string, hook func(*api.Options)) (*api.Client, error) {
			o := api.Options{BaseURL: "http://127.0.0.1:1", Key: key} // offline: only the database
			hook(&o)
			return api.New(o)
		}
	}})
	h2.scr.waitText(t, "cached,")
	if m2 := h2.quit(t); m2.focusID != m.focusID {
		t.Fatalf("the console quit on %q and the next one opened on %q", m.focusID, m2.focusID)
	}
}
