package pane

import (
	"strings"
	"testing"
	"time"

	"sqc/api"
	"sqc/state"
)

// The quota pane says how far behind the fleet picture is, what share of
// the reads brought news, how often the list is read, and why the fleet
// is read round-robin when the list carries no lastSeen.
func TestQuotaPaneTellsFreshness(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	sh := newTestShared()
	sh.Now = func() time.Time { return now }
	sh.Ledger, _ = state.NewLedger("", "", now, nil)
	sh.Sched = state.NewScheduler(sh.Ledger, 0.5)
	seen := float64(now.Add(-time.Minute).Unix())
	var devs []api.Device
	for _, id := range []string{"AAA000001", "AAA000002", "AAA000003"} {
		devs = append(devs, api.Device{DeviceID: id, Plan: api.PlanHosted, LastSeen: &seen})
	}
	sh.Fleet.SetDevices(devs, now)
	sh.Sched.SetDevices(devs, now)
	p := NewQuotaPane(sh)
	p.SetSize(100, 60)
	if v := p.View(); !strings.Contains(v, "round-robin: no device's lastSeen has moved in the device list yet") {
		t.Errorf("before any lastSeen moved, the pane does not say the fleet is read round-robin:\n%s", v)
	}
	moved := float64(now.Unix())
	devs[0].LastSeen = &moved
	sh.Sched.SetDevices(devs, now)
	// each device read twice: once to learn its newest message, then once
	// more, two bringing a message 4 s and 10 s old, one nothing
	for i, d := range devs {
		sh.Sched.Ask(state.KindData, d.DeviceID)
		r, _, _ := sh.Sched.Next(now)
		sh.Sched.Done(r, now, nil)
		sh.Sched.Got(d.DeviceID, now.Add(-time.Minute), 0, now)
		later := now.Add(time.Duration(i+1) * time.Second)
		sh.Sched.Ask(state.KindData, d.DeviceID)
		r, _, _ = sh.Sched.Next(later)
		sh.Sched.Done(r, later, nil)
		newest := now.Add(-time.Minute)
		if i < 2 {
			newest = later.Add(-[]time.Duration{4 * time.Second, 10 * time.Second}[i])
		}
		sh.Sched.Got(d.DeviceID, newest, 0, later)
	}
	now = now.Add(5 * time.Second)
	v := p.View()
	for _, want := range []string{"Freshness", "behind by       median 10s · worst 10s", "reads           66% brought something new (2 of 3)", "device list     read every"} {
		if !strings.Contains(v, want) {
			t.Errorf("the quota pane lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "round-robin") {
		t.Errorf("a list with lastSeen said round-robin:\n%s", v)
	}
	for i := range devs {
		devs[i].LastSeen = nil
	}
	sh.Sched.SetDevices(devs, now)
	if v := p.View(); !strings.Contains(v, "Reading the fleet round-robin: the server's device list carries no lastSeen.") {
		t.Errorf("a list without lastSeen does not say round-robin:\n%s", v)
	}
}
