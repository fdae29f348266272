package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
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
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	save := func(h *harness, name string) { h.scr.save(t, filepath.Join(dir, name+".ansi")) }

	// 120x40: the wide layout, every pane.
	h := start(t, setup{devices: 60, w: 120, h: 40, profile: colorprofile.TrueColor, latency: 40 * time.Millisecond,
		cfg: func(c *Config) { c.StateDir = t.TempDir() }})
	quad := h.liveDevice(t, api.PlanHosted)
	for _, d := range h.sim.Devices() {
		if d.Model == "QUAD-C2" && d.Plan == api.PlanHosted && !d.Seen().IsZero() && h.clock.Now().Sub(d.Seen()) < 10*time.Minute {
			quad = d
			break
		}
	}
	h.scr.waitText(t, "Devices 60")
	h.scr.waitFor(t, "the first pass read", func(v string) bool { return !strings.Contains(header(v), "reading ") })
	h.key("g")
	h.scr.waitFor(t, "the cursor on the first row", func(v string) bool {
		lines := strings.Split(v, "\n")
		return len(lines) > 3 && strings.HasPrefix(lines[3], "▶")
	})
	save(h, "01-device-list")
	h.key("/")
	h.key(quad.DeviceID)
	h.key("enter")
	h.key("esc")
	h.key("enter")
	h.scr.waitFor(t, "readings with sparklines", func(v string) bool {
		if strings.Contains(v, "Script values") && strings.Contains(v, "Devices 60 ·") && strings.ContainsAny(v, "▂▃▅▆") {
			return true
		}
		h.clock.Advance(2 * time.Second)
		h.tm.Send(tea.FocusMsg{})
		time.Sleep(30 * time.Millisecond)
		return false
	})
	save(h, "02-readings")
	h.key("u")
	h.scr.waitText(t, "Non-Hosted devices")
	save(h, "03-quota")
	h.key("u")
	h.key("c")
	h.scr.waitText(t, "ambient.warning")
	h.editKey(t, "ambient.warning", "47")
	h.editKey(t, "can1.nominal_baud", "500")
	h.scr.waitText(t, "2 changes staged")
	save(h, "04-config")
	h.key("w")
	h.scr.waitText(t, "[y/N]")
	save(h, "05-confirm")
	h.key("n")
	h.key("esc")
	h.key("?")
	h.scr.waitText(t, "Keys")
	save(h, "06-help")
	h.key("esc")
	h.key("a")
	id, _ := h.claimable(t, true)
	h.key(id[:6])
	h.key("tab")
	h.key("ma")
	h.tm.Send(tea.KeyPressMsg{Code: tea.KeyDown})
	h.scr.waitText(t, "6 of 9 letters")
	save(h, "07-add-device")
	h.key("esc")
	h.scr.waitFor(t, "the form closed", func(v string) bool { return !strings.Contains(v, "Add a device") })
	certs := certFiles(t)
	h.key("m")
	h.scr.waitText(t, "MQTT for")
	h.key(filepath.Join(certs, "device.key"))
	h.key("tab")
	h.key(filepath.Join(certs, "device.crt"))
	h.key("tab")
	h.key("tab")
	h.key("broker.example.com:8883")
	h.key("tab")
	h.key("tab")
	h.scr.waitFor(t, "the form filled", func(v string) bool {
		return strings.Contains(v, "broker.example.com:8883") && strings.Contains(v, "▸ Trust")
	})
	save(h, "08-mqtt")
	h.key("esc")
	h.scr.waitFor(t, "the form closed", func(v string) bool { return !strings.Contains(v, "MQTT for") })
	h.key("esc") // the filter off: the whole list
	h.scr.waitText(t, "Devices 60 ·")
	h.runClock(t)
	h.key("/")
	h.key("group:marine")
	h.key("enter")
	h.key("A")
	h.scr.waitText(t, "marked")
	h.key("c")
	h.scr.waitText(t, "values are typed by")
	h.key("+")
	h.key("ambient.alarm = 65")
	h.key("enter")
	h.key("w")
	h.scr.waitFor(t, "the confirm", func(v string) bool { return strings.Contains(v, "to send") || strings.Contains(v, "[y/N]") })
	if v := h.scr.String(); strings.Contains(v, "[y/N]") {
		h.key("y")
	} else { // above ten devices the count is typed
		h.key(strings.Fields(strings.TrimPrefix(lineWith(v, "type "), "type "))[0])
		h.key("enter")
	}
	h.scr.waitFor(t, "the bulk change under way", func(v string) bool {
		return strings.Contains(v, "queued 2") || strings.Contains(v, "queued 3")
	})
	h.key("p")
	h.scr.waitText(t, "paused")
	save(h, "09-bulk")
	h.quit(t)

	// 80x24: the narrow layout a jump host's tmux pane gives.
	n80 := start(t, setup{devices: 60, w: 80, h: 24, profile: colorprofile.TrueColor})
	n80.scr.waitText(t, "Devices 60")
	n80.scr.waitFor(t, "the first pass read", func(v string) bool { return !strings.Contains(header(v), "reading ") })
	save(n80, "10-list-80x24")
	n80.key("/")
	n80.key(quad.DeviceID)
	n80.key("enter")
	n80.key("enter")
	n80.scr.waitText(t, "Power")
	save(n80, "11-readings-80x24")
	n80.key("q")
	n80.key("?")
	n80.scr.waitText(t, "Keys")
	save(n80, "12-help-80x24")
	n80.quit(t)
}
