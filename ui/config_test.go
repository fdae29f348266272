package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
	"sqc/ui/look"
)

// writes are the config writes the simulator received.
func (h *harness) writes() []sim.Request {
	var out []sim.Request
	for _, r := range h.sim.Requests() {
		if r.Method != "GET" {
			out = append(out, r)
		}
	}
	return out
}

// liveDevice is a device of the plan that reports often, so that a queued
// change is applied at its next check-in.
func (h *harness) liveDevice(t *testing.T, plan string) api.Device {
	t.Helper()
	for _, d := range h.sim.Devices() {
		if d.Plan == plan && !d.Seen().IsZero() && h.clock.Now().Sub(d.Seen()) < 10*time.Minute {
			return d
		}
	}
	t.Fatalf("no live %s device", plan)
	return api.Device{}
}

// openConfig filters the list to one device and opens its config.
func (h *harness) openConfig(t *testing.T, id string) { h.openOn(t, id, "c") }

// listedRe is the list's title once the list has answered with devices.
var listedRe = regexp.MustCompile(`Devices [1-9]`)

// openOn filters the list to one device and presses a key on it.
func (h *harness) openOn(t *testing.T, id, key string) {
	t.Helper()
	// "Devices 0" is on screen before the list answers; a filter typed
	// then finds nothing, and the key falls on no device
	h.scr.waitFor(t, "the device list", func(s string) bool { return listedRe.MatchString(s) })
	h.key("/")
	h.key(id)
	h.key("enter")
	h.key(key)
}

// editKey searches a key and types a new value for it.
func (h *harness) editKey(t *testing.T, key, value string) {
	t.Helper()
	h.scr.waitText(t, key)
	h.key("/")
	h.key(key)
	h.key("enter")
	h.key("enter")
	h.key("ctrl+u")
	h.key(value)
	h.key("enter")
}

func TestConfigEditDiffCancelSendsNothing(t *testing.T) {
	t.Parallel()
	h := start(t, setup{hosted: 1})
	d := h.liveDevice(t, api.PlanHosted)
	h.openConfig(t, d.DeviceID)
	h.scr.waitText(t, "synced")
	h.editKey(t, "ambient.warning", "47")
	h.scr.waitText(t, "50 → 47")
	h.key("w")
	h.scr.waitFor(t, "the diff and the exact request", func(v string) bool {
		return strings.Contains(v, "- ambient.warning 50") && strings.Contains(v, "+ ambient.warning 47") &&
			strings.Contains(v, "PATCH ") && strings.Contains(v, "/devices/"+d.DeviceID+"/config") && strings.Contains(v, `"warning": 47`)
	})
	h.key("enter") // the default is No
	h.scr.waitText(t, "not sent")
	h.key("w")
	h.scr.waitText(t, "[y/N]")
	h.key("esc")
	h.scr.waitText(t, "1 change staged")
	if w := h.writes(); len(w) != 0 {
		t.Fatalf("cancelled confirms sent %d writes", len(w))
	}
	h.quit(t)
}

func TestConfigWriteQueuedThenApplied(t *testing.T) {
	t.Parallel()
	h := start(t, setup{hosted: 1, cfg: func(c *Config) { c.VerifyEvery = 50 * time.Millisecond }})
	d := h.liveDevice(t, api.PlanHosted)
	h.openConfig(t, d.DeviceID)
	h.editKey(t, "ambient.warning", "47")
	h.key("w")
	h.scr.waitText(t, "[y/N]")
	h.key("y")
	h.scr.waitText(t, "queued")
	h.scr.waitText(t, "50 → 47 queued")
	w := h.writes()
	if len(w) != 1 || w[0].Method != "PATCH" || w[0].Status != 202 || string(w[0].Body) != `{"config":{"ambient":{"warning":47}}}` {
		t.Fatalf("writes %+v", w)
	}
	// Past the device's next check-in (it reports every minute), and well
	// within the 10 minutes the console reads back for: a jump beyond them
	// let a read sent before it, answered "not synced", end the read-backs.
	if !strings.Contains(lineWith(h.scr.String(), "device.interval"), " 60") {
		t.Fatalf("the device does not report every minute:\n%s", h.scr.String())
	}
	h.clock.Advance(2 * time.Minute)
	h.scr.waitText(t, "applied at")
	h.scr.waitFor(t, "the new value as the device's", func(v string) bool {
		return strings.Contains(lineWith(v, "ambient.warning"), "47") && !strings.Contains(v, "→ 47")
	})
	if n := len(h.writes()); n != 1 {
		t.Fatalf("%d writes, want 1: verification only reads", n)
	}
	h.quit(t)
}

func TestConfigWrongTypeRefusedInline(t *testing.T) {
	t.Parallel()
	h := start(t, setup{hosted: 1})
	d := h.liveDevice(t, api.PlanHosted)
	h.openConfig(t, d.DeviceID)
	h.editKey(t, "ambient.warning", "warm")
	h.scr.waitText(t, `ambient.warning takes a number: "warm" is not one`)
	h.key("esc")
	h.scr.waitFor(t, "nothing staged", func(v string) bool { return !strings.Contains(v, "staged") && !strings.Contains(v, "→") })
	h.editKey(t, "serial1.mode", "MODBUS")
	h.scr.waitText(t, `"CAPTURE" → "MODBUS"`)
	h.quit(t)
}

// fakeEditor is a script standing for $EDITOR: it runs sed on the file.
func fakeEditor(t *testing.T, sed string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "editor.sh")
	script := "#!/bin/sh\nsed -i '" + sed + "' \"$1\"\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigEditorRoundTripAndSyntaxError(t *testing.T) {
	h := start(t, setup{hosted: 1})
	d := h.liveDevice(t, api.PlanHosted)
	h.openConfig(t, d.DeviceID)
	h.scr.waitText(t, "synced")
	t.Setenv("VISUAL", fakeEditor(t, `s/"warning": 50/"warning": 55,,/`))
	h.key("E")
	h.scr.waitFor(t, "the syntax error with its line", func(v string) bool {
		return strings.Contains(v, "line ") && strings.Contains(v, `"warning": 55,,`) && strings.Contains(v, "E opens your text again")
	})
	// The next round opens the text as written: the fix removes the commas.
	t.Setenv("VISUAL", fakeEditor(t, `s/55,,/55/`))
	h.key("E")
	h.scr.waitText(t, "50 → 55")
	h.scr.waitText(t, "1 change staged")
	if w := h.writes(); len(w) != 0 {
		t.Fatalf("the editor sent %d writes", len(w))
	}
	h.quit(t)
}

func TestConfigDraftSurvivesANewConsole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := start(t, setup{hosted: 1, cfg: func(c *Config) { c.StateDir = dir }})
	d := h.liveDevice(t, api.PlanHosted)
	h.openConfig(t, d.DeviceID)
	h.editKey(t, "ambient.warning", "47")
	h.scr.waitText(t, "kept as a draft")
	h.scr.waitFor(t, "the draft on disk", func(string) bool { return draftsIn(t, dir) == 1 })
	h.quit(t)

	h2 := start(t, setup{hosted: 1, cfg: func(c *Config) { c.StateDir = dir }})
	h2.openConfig(t, d.DeviceID)
	h2.scr.waitFor(t, "the offer of the draft", func(v string) bool {
		return strings.Contains(v, "A draft is saved for "+d.DeviceID) && strings.Contains(v, "+ ambient.warning 47")
	})
	h2.key("enter") // the default: resume it
	h2.scr.waitText(t, "50 → 47")
	h2.scr.waitText(t, "1 change staged")
	h2.quit(t)
}

func TestReadOnlySendsNothing(t *testing.T) {
	t.Parallel()
	h := start(t, setup{hosted: 1, cfg: func(c *Config) { c.ReadOnly = true }})
	d := h.liveDevice(t, api.PlanHosted)
	h.scr.waitText(t, "READ-ONLY")
	h.openConfig(t, d.DeviceID)
	h.scr.waitText(t, "ambient.warning")
	if v := h.scr.String(); strings.Contains(v, "enter edit") || strings.Contains(v, "w write") {
		t.Fatalf("a read-only footer offers writes:\n%s", v)
	}
	for _, k := range []string{"enter", "w", "+", "E"} {
		h.key(k)
		h.scr.waitText(t, "read-only session")
	}
	h.key("?")
	h.scr.waitText(t, "Keys")
	for range 5 {
		h.key("pgdown")
	}
	if v := h.scr.String(); strings.Contains(v, "write to device") {
		t.Fatalf("read-only help lists the write key:\n%s", v)
	}
	if w := h.writes(); len(w) != 0 {
		t.Fatalf("a read-only console sent %d writes", len(w))
	}
	h.quit(t)
}

func TestNonHostedDeviceWithNoCallsLeft(t *testing.T) {
	t.Parallel()
	h := start(t, setup{hosted: 0.3})
	h.runClock(t) // the simulator's rate limit refills as its clock moves
	d := h.liveDevice(t, api.PlanTrial)
	// Another user of the key spent 49 of the device's 50 calls.
	spend(t, h, d.DeviceID, 49)
	h.key("R") // read the list again: 1 call left
	h.waitCallsLeft(t, d.DeviceID, 1)
	h.openConfig(t, d.DeviceID)
	h.scr.waitFor(t, "the cost asked first", func(v string) bool {
		return strings.Contains(v, "not Hosted") && strings.Contains(v, "costs 1 of its 1 API calls")
	})
	h.key("y")
	h.scr.waitText(t, "0 calls left this month")
	h.editKey(t, "ambient.warning", "47")
	h.key("w")
	h.scr.waitText(t, "no API calls left this month")
	if w := h.writes(); len(w) != 0 {
		t.Fatalf("%d writes to a device with no calls left", len(w))
	}
	h.quit(t)
}

// spend makes n Get Device calls on a device, as another program would.
func spend(t *testing.T, h *harness, id string, n int) {
	t.Helper()
	c, err := api.New(api.Options{BaseURL: h.srv.URL, Key: uiKey, RatePerSecond: 1e6, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; {
		_, err := c.GetDevice(t.Context(), id)
		h.clock.Advance(time.Second)
		switch {
		case api.Classify(err) == api.FailRateLimit: // the console's reads took the second's turn
			continue
		case err != nil:
			t.Fatal(err)
		}
		i++
	}
}

func TestWriteWithUnknownOutcomeIsReadBackFirst(t *testing.T) {
	t.Parallel()
	h := start(t, setup{hosted: 1})
	d := h.liveDevice(t, api.PlanHosted)
	h.openConfig(t, d.DeviceID)
	h.editKey(t, "ambient.warning", "47")
	h.sim.Inject(sim.Fault{Op: api.OpUpdateConfig, Status: 500, Message: "Internal Server Error"})
	h.key("w")
	h.scr.waitText(t, "[y/N]")
	h.key("y")
	h.scr.waitFor(t, "the read-back and the offer to send again", func(v string) bool {
		return strings.Contains(v, "may not have happened") && strings.Contains(v, "Send it again?")
	})
	reads := 0
	for _, r := range h.sim.Requests() {
		if r.Op == api.OpGetConfig {
			reads++
		}
	}
	if reads != 2 || len(h.writes()) != 1 {
		t.Fatalf("%d config reads (want the open and the read-back) and %d writes (want 1, never retried)", reads, len(h.writes()))
	}
	h.key("y")
	h.scr.waitText(t, "waiting for the device to apply it")
	if w := h.writes(); len(w) != 2 || w[1].Status != 202 {
		t.Fatalf("writes %+v", w)
	}
	h.quit(t)
}

// waitCallsLeft waits until the quota meter says a device has n calls left.
func (h *harness) waitCallsLeft(t *testing.T, id string, n int) {
	t.Helper()
	h.key("u")
	h.scr.waitFor(t, id+" with "+look.Itoa(n)+" calls left", func(v string) bool {
		for _, l := range strings.Split(v, "\n") {
			if i := strings.LastIndex(l, id+" "); i >= 0 && strings.HasSuffix(strings.TrimRight(l[i:], " │"), " "+look.Itoa(n)) {
				return true
			}
		}
		return false
	})
	h.key("u")
}

// A 422 from the server names the setting, nothing is retried, and the
// change stays staged for the user to mend.
func TestConfig422NamesTheKeyAndKeepsTheEdit(t *testing.T) {
	t.Parallel()
	h := start(t, setup{hosted: 1})
	d := h.liveDevice(t, api.PlanHosted)
	h.openConfig(t, d.DeviceID)
	h.scr.waitText(t, "synced")
	h.key("+")
	h.key("display.brightness = 80")
	h.key("enter")
	h.scr.waitText(t, "(new) → 80")
	h.key("w")
	h.scr.waitText(t, "[y/N]")
	h.key("y")
	h.scr.waitFor(t, "the server's words with the key", func(v string) bool {
		return strings.Contains(v, "422") && strings.Contains(v, "display.brightness") && strings.Contains(v, "1 change staged")
	})
	h.scr.waitFor(t, "the write in the server's log", func(string) bool { return len(h.writes()) > 0 }) // logged after it answers
	if w := h.writes(); len(w) != 1 || w[0].Status != 422 {
		t.Fatalf("writes %+v: want one, refused", w)
	}
	h.quit(t)
}
