package state

import (
	"strings"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
)

// One device whose every read answers 500 while the eleven others answer
// well: that device backs off on its own (it says why), the others are
// all read in the first seconds and go on being read, the connection is
// never shown as a server error, and the failing device is not asked
// again and again (the server's request log).
func TestOneDevicesServerErrorsStayWithIt(t *testing.T) {
	h, err := sim.NewHostile(sim.HostileSick, "rig-key")
	if err != nil {
		t.Fatal(err)
	}
	r := newRigOn(t, newSimClock(rigStart), h)
	r.step = 100 * time.Millisecond
	all := append([]string{sim.Hostile5xx}, sim.SickHealthy...)
	r.sched.SetVisible(all)
	r.sched.SetFocus(sim.Hostile5xx, false)
	r.run(40 * time.Second)

	for _, id := range sim.SickHealthy {
		if reads := r.readsOf(id, rigStart, rigStart.Add(10*time.Second)); len(reads) == 0 {
			t.Errorf("healthy device %s not read in the first 10 s of 40", id)
		}
	}
	for _, c := range r.conns {
		if c.c.State == ConnServerError || c.c.State == ConnOffline {
			t.Errorf("at +%v the fleet was held: %v (%s)", c.at.Sub(rigStart), c.c.State, c.c.Why)
		}
	}
	if c := r.sched.Conn(r.clock.Now()); c.State != ConnOnline {
		t.Errorf("connection %v after 40 s, want online", c.State)
	}
	until, why := r.sched.Hold(sim.Hostile5xx)
	if !strings.Contains(why, "(500)") || !until.After(r.clock.Now()) {
		t.Errorf("the failing device is not held on its own: %v %q", until, why)
	}
	sick, healthy := 0, map[string]int{}
	for _, q := range h.Log() {
		if q.Op != api.OpGetData {
			continue
		}
		if q.DeviceID == sim.Hostile5xx {
			sick++
		} else {
			healthy[q.DeviceID]++
		}
	}
	if sick > 1 || len(healthy) != len(sim.SickHealthy) {
		t.Errorf("the server got %d reads of the failing device and reads of %d healthy devices, want at most 1 and %d",
			sick, len(healthy), len(sim.SickHealthy))
	}

	// A minute on, the failing device is tried again and held longer; the
	// healthy ones keep being read.
	before := len(r.reads)
	r.run(3 * time.Minute)
	if len(r.reads) == before {
		t.Error("no read in 3 minutes after the first pass")
	}
	if _, why := r.sched.Hold(sim.Hostile5xx); !strings.Contains(why, "(500)") {
		t.Errorf("hold after retry: %q", why)
	}
}

// When every read answers 500 it is the server's failure: the fleet backs
// off after the second target fails, and the device held for the first
// one is let go, to be read when the server is back.
func TestServerErrorsOnEverythingHoldTheFleet(t *testing.T) {
	r := newRig(t, sim.Options{Devices: 20, HostedFraction: 1})
	r.cached()
	ids := liveDevices(r, 5)
	r.sched.SetVisible(ids)
	r.sched.SetFocus(ids[0], false)
	r.gate.mode.Store(gate500)
	r.run(30 * time.Second)
	if c := r.sched.Conn(r.clock.Now()); c.State != ConnServerError {
		t.Fatalf("every read answers 500: connection %v", c.State)
	}
	n := len(r.issues)
	if n > 2+2*MaxInFlight {
		t.Errorf("%d requests in 30 s of a server answering 500 to everything", n)
	}
	for _, id := range ids {
		if _, why := r.sched.Hold(id); why != "" {
			t.Errorf("%s is held on its own for the server's failure: %q", id, why)
		}
	}
	r.gate.mode.Store(gateUp)
	back := r.clock.Now()
	r.run(2 * time.Minute)
	if len(r.readsOf(ids[0], back, r.clock.Now())) == 0 {
		t.Error("the focused device was not read after the server came back")
	}
}
