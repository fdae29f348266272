package ui

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"

	"sqc/api"
)

// From the device list, T writes the focused device's ticket into the
// exports folder and says where; H opens its history.
func TestTicketAndHistoryFromTheList(t *testing.T) {
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	h := start(t, setup{profile: colorprofile.Ascii})
	h.scr.waitText(t, "Devices 30")
	h.key("T")
	h.scr.waitText(t, "ticket written to ")
	files, _ := filepath.Glob(filepath.Join(data, "sqc", "exports", "sqc-ticket-*.md"))
	if len(files) != 1 {
		t.Fatalf("ticket files %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), "## Device") || strings.Contains(string(b), h.sim.Key()) {
		t.Fatalf("the ticket:\n%s", b)
	}
	h.key("H")
	h.scr.waitText(t, "History ")
	h.quit(t)
}

// copied are the texts sent to the terminal's clipboard (OSC 52), in order.
func copied(h *harness) []string {
	var out []string
	for _, part := range strings.Split(string(h.scr.written()), "\x1b]52;c;")[1:] {
		end := strings.IndexAny(part, "\a\x1b")
		if end < 0 {
			continue
		}
		if b, err := base64.StdEncoding.DecodeString(part[:end]); err == nil {
			out = append(out, string(b))
		}
	}
	return out
}

// After T from the list, the toast offers the ticket's path and the next
// y copies it (OSC 52) instead of the focused device's ID; once copied,
// y copies an ID again.
func TestYCopiesTheTicketPathAfterTFromTheList(t *testing.T) {
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	h := start(t, setup{profile: colorprofile.Ascii})
	h.scr.waitText(t, "Devices 30")
	h.key("T")
	h.scr.waitText(t, "y copies the path")
	files, _ := filepath.Glob(filepath.Join(data, "sqc", "exports", "sqc-ticket-*.md"))
	if len(files) != 1 {
		t.Fatalf("ticket files %v", files)
	}
	h.key("y")
	h.scr.waitFor(t, "the path copied", func(string) bool { return len(copied(h)) == 1 })
	if got := copied(h); got[0] != files[0] {
		t.Fatalf("y after T copied %q, want the ticket's path %q", got[0], files[0])
	}
	h.key("y")
	h.scr.waitFor(t, "an ID copied", func(string) bool { return len(copied(h)) == 2 })
	got := copied(h)[1]
	if !slices.ContainsFunc(h.sim.Devices(), func(d api.Device) bool { return d.DeviceID == got }) {
		t.Fatalf("the second y copied %q, not a device ID", got)
	}
	h.quit(t)
}
