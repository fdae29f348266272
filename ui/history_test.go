package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
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
