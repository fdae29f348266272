package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// TestScreenshots captures screens of the real program, in colour, for
// `make screenshots` (which turns them into PNGs with freeze). It runs
// only when SQC_SCREENSHOTS names the output folder.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("SQC_SCREENSHOTS")
	if dir == "" {
		t.Skip("set SQC_SCREENSHOTS=DIR to capture screenshots")
	}
	const w, h = 100, 30
	tm, scr, s := startConsoleWith(t, 60, w, h, tea.WithColorProfile(colorprofile.TrueColor))
	id := s.Devices()[3].DeviceID
	scr.waitFor(t, "the list", func(v string) bool { return strings.Contains(v, s.Devices()[0].DeviceID) })
	for range 3 {
		tm.Send(tea.KeyPressMsg{Code: 'j', Text: "j"})
	}
	scr.waitFor(t, "the cursor on the fourth device", func(string) bool { return scr.highlighted(id) })
	scr.save(t, filepath.Join(dir, "device-list.ansi"))
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5e9))
}
