package live

import (
	"slices"
	"time"

	"sqc/state"
)

// Member is one view as the team sees it: who is at it, what they may
// do, since when, and what they have open.
type Member struct {
	ID       state.ViewID
	Name     string
	ReadOnly bool
	Since    time.Time
	// Device is the view's focused device, Pane what it has open beside
	// the list ("" before it said): what Show last told.
	Device, Pane string
}

// Show tells the engine what the view has open: its focused device and
// its pane. The other views hear of it (Changes.Team) only when it
// changed, so a view may call it after every key. It takes no lock of
// the engine's: it may be called under the view's Lock.
func (v *View) Show(device, pane string) {
	v.mu.Lock()
	same := v.closed || v.device == device && v.pane == pane
	v.device, v.pane = device, pane
	v.mu.Unlock()
	if same {
		return
	}
	s := &v.e.views
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tellTeam(v.id)
}

// Team is the views open on the engine, the longest connected first.
func (e *Engine) Team() []Member {
	s := &e.views
	s.mu.Lock()
	out := make([]Member, 0, len(s.all))
	for _, v := range s.all {
		v.mu.Lock()
		out = append(out, Member{ID: v.id, Name: v.name, ReadOnly: v.readOnly, Since: v.since, Device: v.device, Pane: v.pane})
		v.mu.Unlock()
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b Member) int {
		if c := a.Since.Compare(b.Since); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return out
}

// tellTeam tells every view but from that the team changed. Called with
// s.mu held; a view's add takes only its own lock and never waits.
func (s *viewSet) tellTeam(from state.ViewID) {
	c := changes{team: true}
	for id, v := range s.all {
		if id != from {
			v.add(&c)
		}
	}
}
