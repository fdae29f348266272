package live

import (
	"slices"
	"time"

	"sqc/api"
	"sqc/state"
)

// Pending is a write the engine sent, or is sending, that no view has
// seen applied yet: what a second engineer about to change the same
// device is told of.
type Pending struct {
	Seq   int
	Write state.Write // Write.Who sent it
	// At is when it was submitted; once Queued, when the server took it.
	At time.Time
	// Queued is set once the server took it (the device applies it at its
	// next check-in); Unknown when whether it did is not known.
	Queued, Unknown bool
	Askers          []state.ViewID
}

// Mine reports whether the view asked for the write.
func (p Pending) Mine(v *View) bool { return slices.Contains(p.Askers, v.id) }

// Keys are the settings of a config write, in its order.
func (p Pending) Keys() []string {
	out := make([]string, 0, len(p.Write.Changes))
	for _, c := range p.Write.Changes {
		out = append(out, c.Key)
	}
	return out
}

// PendingFor is how long a write the server took is said to be pending
// without a view seeing it applied: a device that never checks in, or a
// console that stopped reading it back, must not warn of it for ever.
const PendingFor = time.Hour

// Pending is the writes to a device not yet seen applied, the oldest
// first.
func (e *Engine) Pending(deviceID string) []Pending {
	s := &e.writes
	now := e.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Pending
	for _, p := range s.pending[deviceID] {
		if p.Queued && now.Sub(p.At) > PendingFor {
			continue
		}
		p.Askers = slices.Clone(p.Askers)
		out = append(out, *p)
	}
	return out
}

// addPending notes a write submitted. Called with s.mu held.
func (s *writeSet) addPending(seq int, w state.Write, asker state.ViewID, at time.Time) {
	if s.pending == nil {
		s.pending = map[string][]*Pending{}
	}
	id := w.Device.DeviceID
	s.pending[id] = append(s.pending[id], &Pending{Seq: seq, Write: w, At: at, Askers: []state.ViewID{asker}})
}

// joinPending adds a view to the askers of a write out. Called with s.mu
// held.
func (s *writeSet) joinPending(deviceID string, seq int, asker state.ViewID) {
	for _, p := range s.pending[deviceID] {
		if p.Seq == seq && !slices.Contains(p.Askers, asker) {
			p.Askers = append(p.Askers, asker)
		}
	}
}

// sentPending notes how a write's send ended: taken, it is queued at the
// server; of unknown outcome it may be; refused or not sent, it is not
// pending at all. Writes long past PendingFor go too.
func (s *writeSet) sentPending(deviceID string, seq int, err error, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropPending(deviceID, func(p *Pending) bool {
		if p.Seq != seq {
			return p.Queued && at.Sub(p.At) > PendingFor
		}
		switch state.OutcomeOf(err) {
		case api.Taken:
			p.Queued, p.At = true, at
		case api.Unknown:
			p.Queued, p.Unknown, p.At = true, true, at
		default:
			return true
		}
		return false
	})
}

// dropPending drops a device's pending writes that drop says. Called
// with s.mu held.
func (s *writeSet) dropPending(deviceID string, drop func(*Pending) bool) {
	left := slices.DeleteFunc(s.pending[deviceID], drop)
	if len(left) == 0 {
		delete(s.pending, deviceID) // a nil map takes a delete, not a store
		return
	}
	s.pending[deviceID] = left
}

// settledPending drops a write a view saw applied, and one of unknown
// outcome a read-back settled either way; a write taken and not applied
// yet may still wait at the server for the device.
func (s *writeSet) settledPending(st Settled) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropPending(st.DeviceID, func(p *Pending) bool { return p.Seq == st.Seq && (st.Applied || p.Unknown) })
}

// SawConfig tells the engine a config the view read: a synced config
// that holds what a pending write sent shows it applied, whoever follows
// it (a bulk change's devices, a console that quit before its read-back).
func (v *View) SawConfig(deviceID string, cfg api.Config, synced bool) {
	if !synced {
		return
	}
	s := &v.e.writes
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropPending(deviceID, func(p *Pending) bool {
		return p.Queued && p.Write.Op == api.OpUpdateConfig && state.Holds(cfg, p.Write.Changes)
	})
}
