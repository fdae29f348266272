package ui

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"sqc/api"
)

// flat is the screen as one line of words: a wrapped line reads whole.
func flat(v string) string { return strings.Join(strings.Fields(v), " ") }

// A config pane whose read failed because the server could not be
// reached is read again by itself once the connection is back.
func TestConfigReadFailedOfflineIsReadAgainOnline(t *testing.T) {
	h, b := newFieldRig(t, 20)
	fieldConsole(t, h, b.url(), "")
	h.scr.waitText(t, "● online")
	id := h.sim.Devices()[0].DeviceID
	b.kill()
	h.openConfig(t, id)
	h.scr.waitText(t, "could not read the config")
	if !strings.Contains(flat(h.scr.String()), "connection refused") {
		t.Fatalf("the pane does not say why:\n%s", h.scr.String())
	}
	b.start(t)
	h.clock.Advance(61 * time.Second) // the longest wait of an outage: the console tries again by itself
	h.scr.waitFor(t, "the config read again", func(v string) bool {
		return strings.Contains(v, "synced") && !strings.Contains(v, "could not read the config")
	})
	h.quit(t)
}

var nextReadBack = regexp.MustCompile(`next read-back in \d+s`)

// While a write is queued the pane says so, with the countdown to the
// next read-back, not "synced" from the read before the write; at 80x24
// the write's line is whole.
func TestConfigQueuedWriteShowsTheCountdownAt80x24(t *testing.T) {
	h := start(t, setup{hosted: 1, w: 80, h: 24})
	d := h.liveDevice(t, api.PlanHosted)
	h.openConfig(t, d.DeviceID)
	h.editKey(t, "ambient.warning", "47")
	h.key("w")
	h.scr.waitText(t, "[y/N]")
	h.key("y")
	h.scr.waitFor(t, "the countdown to the next read-back", func(v string) bool {
		return nextReadBack.MatchString(flat(v)) && strings.Contains(flat(v), "waiting for the device to apply it")
	})
	v := h.scr.String()
	if !strings.Contains(v, "a change is queued") || strings.Contains(v, "synced ·") {
		t.Fatalf("the pane says synced while a change is queued:\n%s", v)
	}
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, "queued") && strings.Contains(l, "…") {
			t.Fatalf("the write's line is cut: %q\n%s", l, v)
		}
	}
	h.quit(t)
}

// The server takes a write and drops the connection before answering: the
// outcome is unknown, nothing offers to send again, and the read-backs
// settle it: the device applied it, the write went through.
func TestConfigWriteDroppedIsSettledByReadBack(t *testing.T) {
	dir := t.TempDir()
	h := start(t, setup{hosted: 1, cfg: func(c *Config) { c.VerifyEvery, c.StateDir = 50*time.Millisecond, dir }})
	d := h.liveDevice(t, api.PlanHosted)
	h.openConfig(t, d.DeviceID)
	h.editKey(t, "ambient.warning", "47")
	h.sim.DropAfter(api.OpUpdateConfig, 1)
	h.clock.mu.Lock() // the device does not check in until the clock runs
	h.clock.t, h.clock.frozen = h.clock.t.Add(time.Since(h.clock.since)), true
	h.clock.mu.Unlock()
	h.key("w")
	h.scr.waitText(t, "[y/N]")
	h.key("y")
	h.scr.waitText(t, "outcome unknown")
	h.scr.waitFor(t, "the read-back seeing the change wait at the server", func(v string) bool {
		return strings.Contains(flat(v), "a change waits at the server for the device")
	})
	if strings.Contains(h.scr.String(), "Send it again?") {
		t.Fatalf("a second send is offered while the change may wait at the server:\n%s", h.scr.String())
	}
	h.runClock(t) // the device checks in and applies what the server took
	h.scr.waitText(t, "the write went through")
	v := h.scr.String()
	if strings.Contains(v, "Send it again?") || strings.Contains(v, "outcome unknown") {
		t.Fatalf("settled, yet the pane still offers or says unknown:\n%s", v)
	}
	if w := h.writes(); len(w) != 1 || w[0].Status != 202 {
		t.Fatalf("writes %+v: want the one the server took", w)
	}
	h.quit(t)
	audit := auditIn(t, dir)
	if i, j := strings.Index(audit, `outcome="unknown"`), strings.Index(audit, `outcome="applied"`); i < 0 || j < i {
		t.Fatalf("the audit log does not say unknown, then settled by the read-back:\n%s", audit)
	}
}

// The server went away between the read of the config and the write: the
// write's connection is refused, so it was not sent: the pane says so,
// the changes stay staged, and the audit log records "not sent".
func TestConfigWriteToAClosedPortIsNotSent(t *testing.T) {
	dir := t.TempDir()
	h, b := newFieldRig(t, 20)
	// Every answer closes its connection, so that the write dials again
	// and is refused. A connection kept alive from an earlier read would
	// carry the write to a server that closed it, whose outcome is
	// truly unknown (the bytes left): not this test's case.
	b.srv.Config.SetKeepAlivesEnabled(false)
	fieldConsole(t, h, b.url(), dir)
	h.scr.waitText(t, "● online")
	d := h.liveDevice(t, api.PlanHosted)
	h.openConfig(t, d.DeviceID)
	h.editKey(t, "ambient.warning", "47")
	h.scr.waitText(t, "1 change staged")
	b.kill()
	h.key("w")
	h.scr.waitText(t, "[y/N]")
	h.key("y")
	h.scr.waitFor(t, "the write not sent", func(v string) bool {
		return strings.Contains(flat(v), "not sent: ") && strings.Contains(flat(v), "connection refused")
	})
	v := h.scr.String()
	if strings.Contains(v, "outcome unknown") || !strings.Contains(v, "1 change staged") {
		t.Fatalf("a write that never left is told otherwise:\n%s", v)
	}
	h.quit(t)
	a := auditIn(t, dir)
	if !strings.Contains(a, "device="+d.DeviceID) || !strings.Contains(a, `outcome="not sent"`) {
		t.Fatalf("audit log:\n%s", a)
	}
	for _, r := range h.sim.Requests() {
		if r.Method != "GET" {
			t.Fatalf("a write reached the server: %+v", r)
		}
	}
}
