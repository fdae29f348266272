package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"

	"sqc/api"
)

// TestScreenshots captures screens of the real program, in colour, for
// `make screenshots` (which turns them into PNGs with freeze). It runs
// only when SQC_SCREENSHOTS names the output folder.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("SQC_SCREENSHOTS")
	if dir == "" {
		t.Skip("set SQC_SCREENSHOTS=DIR to capture screenshots")
	}
	h := start(t, setup{devices: 60, w: 120, h: 40, profile: colorprofile.TrueColor})
	var quad api.Device
	for _, d := range h.sim.Devices() {
		if d.Model == "QUAD-C2" && d.CanReadData() && !d.Seen().IsZero() && h.clock.Now().Sub(d.Seen()) < 10*60e9 {
			quad = d
			break
		}
	}
	h.scr.waitText(t, "Devices 60")
	for range 40 { // let the scheduler read the fleet for a while
		h.clock.Advance(15 * time.Second)
		h.tm.Send(tea.FocusMsg{}) // wakes the scheduler, as a terminal coming to the front does
		time.Sleep(20 * time.Millisecond)
	}
	h.key("g")
	h.scr.waitFor(t, "the cursor on the first row", func(v string) bool {
		lines := strings.Split(v, "\n")
		return len(lines) > 3 && strings.HasPrefix(lines[3], "▶")
	})
	h.scr.save(t, filepath.Join(dir, "1-device-list.ansi"))
	h.key("/")
	h.key(quad.DeviceID)
	h.key("enter")
	h.key("esc")
	h.key("enter")
	h.scr.waitFor(t, "readings with sparklines in the whole list", func(v string) bool {
		if strings.Contains(v, "Script values") && strings.Contains(v, "Devices 60 ·") && strings.ContainsAny(v, "▂▃▅▆") {
			return true
		}
		h.clock.Advance(2 * time.Second) // the simulator's clock moves only when told
		h.tm.Send(tea.FocusMsg{})
		time.Sleep(20 * time.Millisecond)
		return false
	})
	h.scr.save(t, filepath.Join(dir, "2-readings.ansi"))
	h.key("u")
	h.scr.waitText(t, "Non-Hosted devices")
	h.scr.save(t, filepath.Join(dir, "3-quota.ansi"))
	h.key("u")
	h.key("?")
	h.scr.waitText(t, "reverse sort")
	h.scr.save(t, filepath.Join(dir, "4-help.ansi"))
	h.key("esc")
	h.quit(t)
}
