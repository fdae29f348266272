package live

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
	"sqc/state"
)

// The engine knows the writes to a device not yet seen applied, and who
// sent them: sending, then queued once the server took it, gone once a
// view saw it applied, or after PendingFor; a refused write is not
// pending at all.
func TestTheEngineKnowsWhoseWritesArePending(t *testing.T) {
	release, done := make(chan struct{}), make(chan struct{})
	arrived := make(chan struct{}, 4)
	r := newRig(t, 20, func(q *http.Request) {
		if q.Method != http.MethodGet {
			arrived <- struct{}{}
			select {
			case <-release:
			case <-done:
			}
		}
	})
	t.Cleanup(func() { close(done) })
	alice := r.e.SubscribeWith(ViewOptions{Name: "alice@laptop"})
	bob := r.e.SubscribeWith(ViewOptions{Name: "bob@desk"})
	r.firstPass()
	d := r.sim.Devices()[4]
	w := state.Write{Op: api.OpUpdateConfig, Device: d, Changes: []state.Change{{Key: "ambient.warning", New: json.Number("44"), Added: true}}}
	if p := r.e.Pending(d.DeviceID); len(p) != 0 {
		t.Fatalf("pending before any write: %+v", p)
	}
	sentAt := r.clock.Now()
	seq := alice.Submit(w)
	<-arrived
	p := r.e.Pending(d.DeviceID)
	if len(p) != 1 || p[0].Seq != seq || p[0].Write.Who != "alice@laptop" || p[0].Queued || !p[0].At.Equal(sentAt) ||
		!p[0].Mine(alice) || p[0].Mine(bob) || p[0].Keys()[0] != "ambient.warning" {
		t.Fatalf("while alice's write is out, pending is %+v", p)
	}
	r.clock.add(time.Second)
	close(release)
	eventually(t, "bob hears alice's write taken", func() bool {
		for _, o := range bob.Take().Writes {
			if o.Seq == seq {
				return true
			}
		}
		return false
	})
	if p := r.e.Pending(d.DeviceID); len(p) != 1 || !p[0].Queued || p[0].Unknown || !p[0].At.Equal(sentAt.Add(time.Second)) {
		t.Fatalf("once the server took it, pending is %+v", p)
	}
	alice.Settle(Settled{Seq: seq, DeviceID: d.DeviceID, Applied: false, Status: "not yet applied"})
	if p := r.e.Pending(d.DeviceID); len(p) != 1 {
		t.Fatalf("a write not yet applied is no longer pending: %+v", p)
	}
	alice.Settle(Settled{Seq: seq, DeviceID: d.DeviceID, Applied: true, Status: "applied"})
	if p := r.e.Pending(d.DeviceID); len(p) != 0 {
		t.Fatalf("a write seen applied is still pending: %+v", p)
	}

	// taken and never seen applied: pending until PendingFor
	w.Changes[0].New = json.Number("45")
	seq = bob.Submit(w)
	eventually(t, "bob's write taken", func() bool {
		p := r.e.Pending(d.DeviceID)
		return len(p) == 1 && p[0].Seq == seq && p[0].Queued
	})
	r.clock.add(PendingFor + time.Second)
	if p := r.e.Pending(d.DeviceID); len(p) != 0 {
		t.Fatalf("a write taken %v ago is still said pending: %+v", PendingFor, p)
	}

	// refused by the server: never pending
	r.sim.Inject(sim.Fault{Op: api.OpUpdateConfig, Status: 400})
	w.Changes[0].New = json.Number("46")
	seq = alice.Submit(w)
	eventually(t, "alice's refused write", func() bool {
		for _, o := range alice.Take().Writes {
			if o.Seq == seq {
				return true
			}
		}
		return false
	})
	if p := r.e.Pending(d.DeviceID); len(p) != 0 {
		t.Fatalf("a refused write is pending: %+v", p)
	}
}

// A config read by any view that shows a pending write's values, synced,
// ends it: a write no console follows (a bulk change's, or one whose
// console quit) does not stay pending for the hour.
func TestAConfigReadShowingAWriteEndsItsPending(t *testing.T) {
	r := newRig(t, 20, nil)
	alice, bob := r.e.SubscribeWith(ViewOptions{Name: "alice"}), r.e.SubscribeWith(ViewOptions{Name: "bob"})
	r.firstPass()
	d := r.sim.Devices()[6]
	// nothing pending anywhere yet: a read and a settle are no-ops
	bob.SawConfig(d.DeviceID, api.Config{}, true)
	bob.Settle(Settled{Seq: 99, DeviceID: d.DeviceID, Applied: true})
	w := state.Write{Op: api.OpUpdateConfig, Device: d, Changes: []state.Change{{Key: "ambient.warning", New: json.Number("44")}}}
	seq := alice.Submit(w)
	eventually(t, "alice's write queued", func() bool {
		p := r.e.Pending(d.DeviceID)
		return len(p) == 1 && p[0].Seq == seq && p[0].Queued
	})
	old := api.Config{"ambient": api.Config{"warning": json.Number("50")}}
	now := api.Config{"ambient": api.Config{"warning": json.Number("44")}}
	bob.SawConfig(d.DeviceID, old, true)
	bob.SawConfig(d.DeviceID, now, false) // the server's copy, not yet the device's
	if p := r.e.Pending(d.DeviceID); len(p) != 1 {
		t.Fatalf("a read that does not show the write applied ended it: %+v", p)
	}
	bob.SawConfig(d.DeviceID, now, true)
	if p := r.e.Pending(d.DeviceID); len(p) != 0 {
		t.Fatalf("a synced read with the write's values left it pending: %+v", p)
	}
}
