package ui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"sqc/state"
	"sqc/state/live"
)

// alarmEntries puts n devices of the simulator into the engine's inbox as
// having entered alarm at at (as the engine's watcher does).
func alarmEntries(h *harness, e *live.Engine, n int, at time.Time) []state.Transition {
	var ts []state.Transition
	for i, d := range h.sim.Devices()[:n] {
		ts = append(ts, state.Transition{At: at.Add(-time.Duration(i) * time.Millisecond), Device: d.DeviceID, Name: d.Name, From: state.HealthOK, To: state.HealthAlarm, Text: "ambient: High"})
	}
	return e.Inbox().Add(ts)
}

// Two consoles on one engine share the inbox: the header counts the
// unread, one console's acknowledgement shows in the other with who
// made it, and enter opens the device's history at the entry's time.
func TestInboxSharedAcknowledgedAndOpensHistory(t *testing.T) {
	h, e := sharedEngine(t, 10, "", nil)
	a := h.joined(t, e, func(c *Config) { c.Who = "ana" })
	b := h.joined(t, e, func(c *Config) { c.Who = "bo" })
	a.scr.waitFor(t, "the device list", func(s string) bool { return listedRe.MatchString(s) })
	at := h.clock.Now().Add(-10 * time.Minute)
	got := alarmEntries(h, e, 2, at)
	a.scr.waitText(t, "inbox 2")
	b.scr.waitText(t, "inbox 2")
	a.key("i")
	a.scr.waitText(t, "Inbox · 2 unread")
	a.scr.waitText(t, got[0].Device)
	a.key("x") // the newest, under the cursor
	a.scr.waitText(t, "Inbox · 1 unread")
	b.scr.waitText(t, "inbox 1")
	b.key("i")
	b.key("v")
	b.scr.waitFor(t, "ana's acknowledgement", func(s string) bool {
		for _, line := range strings.Split(s, "\n") {
			if strings.Contains(line, got[0].Device) && strings.Contains(line, "✓ ana") {
				return true
			}
		}
		return false
	})
	all, _ := e.Inbox().Snapshot()
	by := map[state.TransitionKey]state.Transition{}
	for _, t := range all {
		by[t.Key()] = t
	}
	if by[got[0].Key()].AckBy != "ana" || by[got[1].Key()].Acked() {
		t.Fatalf("acknowledged: %+v", all)
	}
	a.key("enter") // the cursor is on the one left unread
	a.scr.waitText(t, "History "+got[1].Device)
	// the hour before the entry, named as a typed range (not a preset's name)
	from := got[1].At.Add(-time.Hour).In(time.Local).Format("2006-01-02 15:04") + ".."
	a.scr.waitText(t, "History "+got[1].Device+" · "+from)
}

// --notify writes the bell and both notification escapes once for one
// device entering alarm, and once, folded, for a burst right after it.
func TestNotifyOnceAndFoldedForABurst(t *testing.T) {
	h, e := sharedEngine(t, 20, "", nil)
	c := h.joined(t, e, func(c *Config) { c.Notify = true })
	c.scr.waitFor(t, "the device list", func(s string) bool { return listedRe.MatchString(s) })
	count := func() int { return bytes.Count(c.scr.written(), []byte("\x1b]9;")) }
	waitCount := func(n int) {
		t.Helper()
		deadline := time.Now().Add(patience)
		for count() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d notices written, want %d", count(), n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	one := alarmEntries(h, e, 1, h.clock.Now())
	waitCount(1)
	out := string(c.scr.written())
	if !strings.Contains(out, "\a\x1b]9;sqc: "+one[0].Device) || !strings.Contains(out, "\x1b]777;notify;sqc;"+one[0].Device) {
		t.Fatalf("no bell and OSC 9/777 for %s in %q", one[0].Device, out)
	}
	var burst []state.Transition
	for i, d := range h.sim.Devices()[1:11] {
		burst = append(burst, state.Transition{At: h.clock.Now().Add(time.Duration(i) * time.Millisecond), Device: d.DeviceID, From: state.HealthWarning, To: state.HealthAlarm})
	}
	e.Inbox().Add(burst)
	waitCount(2)
	out = string(c.scr.written())
	if n := strings.Count(out, "\a\x1b]9;"); n != 2 || !strings.Contains(out, "\x1b]9;sqc: 10 devices entered alarm") {
		t.Fatalf("%d bells; the burst's notice is not one folded line: %q", n, out)
	}
	if n := strings.Count(out, "\x1b]777;notify;"); n != 2 {
		t.Fatalf("%d OSC 777 notices, want 2", n)
	}
}
