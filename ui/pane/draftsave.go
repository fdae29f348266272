package pane

import (
	"sync"

	"sqc/state"
	"sqc/state/store"
)

// draftSavedMsg is how the save of a device's draft went: n is the
// number of the draft written (each staged change makes a new one).
type draftSavedMsg struct {
	id  string
	n   int
	err error
}

// draftWriter writes drafts off the console's goroutine, newest last:
// two saves of one device may run in either order, and each writes the
// newest draft wanted, so an older draft never lands after a newer one.
type draftWriter struct {
	mu      sync.Mutex
	seq     int
	latest  map[string]wantedDraft // by device
	written map[string]int         // the number of the draft on the disk, by device
}

type wantedDraft struct {
	n int
	d state.Draft
}

// want records d as the device's newest draft and numbers it.
func (w *draftWriter) want(d state.Draft) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.latest == nil {
		w.latest, w.written = map[string]wantedDraft{}, map[string]int{}
	}
	w.seq++
	w.latest[d.DeviceID] = wantedDraft{n: w.seq, d: d}
	return w.seq
}

// write puts the device's newest draft on the disk, unless it is there
// already; it returns once the disk has it.
func (w *draftWriter) write(db store.Store, fingerprint, id string) draftSavedMsg {
	w.mu.Lock()
	defer w.mu.Unlock()
	want := w.latest[id]
	if w.written[id] >= want.n {
		return draftSavedMsg{id: id, n: w.written[id]}
	}
	if err := state.SaveDraft(db, fingerprint, want.d); err != nil {
		return draftSavedMsg{id: id, n: want.n, err: err}
	}
	w.written[id] = want.n
	return draftSavedMsg{id: id, n: want.n}
}

// newest is the number of the device's newest draft wanted.
func (w *draftWriter) newest(id string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.latest[id].n
}
