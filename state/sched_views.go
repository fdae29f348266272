package state

import (
	"slices"
	"time"
)

// ViewID names one view of the fleet that tells the scheduler what it
// shows: a console, a second console, a script. SetFocus and SetVisible
// speak for view 0.
type ViewID int

// viewSel is what one view shows: its focused device and its rows.
type viewSel struct {
	focus   string
	quiet   bool
	visible []string
}

// focusState is one focused device of the merged focus: every view
// focusing it shares it, so two views on one device cost one set of reads.
type focusState struct {
	id    string
	quiet bool      // every view focusing it says it is quiet
	at    time.Time // when the focus came to it; zero until the next call with a time
	dwell bool      // a view moved to it from another device: wait FocusDwell
	now   bool      // read it at once: an outage ended, or r
	// readOnce: read since the focus came to it. Until then it is read at
	// the focus interval, whatever its reporting interval: an engineer who
	// opens a device sees it fresh.
	readOnce bool
}

func (s *Scheduler) view(v ViewID) *viewSel {
	if sel := s.views[v]; sel != nil {
		return sel
	}
	if s.views == nil {
		s.views = map[ViewID]*viewSel{}
	}
	sel := &viewSel{}
	s.views[v] = sel
	i, _ := slices.BinarySearch(s.viewOrder, v)
	s.viewOrder = slices.Insert(s.viewOrder, i, v)
	return sel
}

// SetViewFocus names a view's focused device ("" for none). The focused
// devices of every view are read alike, each at the focus share of the
// budget spread over the distinct devices focused; a device several views
// focus is one of them. Moved from another device, a device no other view
// focuses is read after FocusDwell, unless it was read less than a focus
// interval ago. A quiet device (not heard from lately) is read every
// QuietEvery at most: reading an offline device every 5 s would spend the
// budget on answers that cannot change.
func (s *Scheduler) SetViewFocus(v ViewID, id string, quiet bool) {
	sel := s.view(v)
	moved := sel.focus != "" && sel.focus != id
	sel.focus, sel.quiet = id, quiet
	s.mergeFocus(id, moved)
}

// SetViewVisible names the devices on a view's screen.
func (s *Scheduler) SetViewVisible(v ViewID, ids []string) {
	sel := s.view(v)
	sel.visible = append(sel.visible[:0], ids...)
	s.lookUpVisible()
}

// DropView forgets a view: its focus and rows no longer cost reads.
func (s *Scheduler) DropView(v ViewID) {
	if s.views[v] == nil {
		return
	}
	delete(s.views, v)
	if i, ok := slices.BinarySearch(s.viewOrder, v); ok {
		s.viewOrder = slices.Delete(s.viewOrder, i, i+1)
	}
	s.mergeFocus("", false)
	s.lookUpVisible()
}

// SetFocus names view 0's focused device (see SetViewFocus).
func (s *Scheduler) SetFocus(id string, quiet bool) { s.SetViewFocus(0, id, quiet) }

// SetVisible names the devices on view 0's screen.
func (s *Scheduler) SetVisible(ids []string) { s.SetViewVisible(0, ids) }

// mergeFocus rebuilds the merged focus from the views, keeping the state
// of the devices that stay focused; moved says the view that focused id
// came from another device.
func (s *Scheduler) mergeFocus(id string, moved bool) {
	old := s.focuses
	s.focuses = nil
	for _, v := range s.viewOrder {
		sel := s.views[v]
		if sel.focus == "" {
			continue
		}
		if f := s.focusOf(sel.focus); f != nil {
			f.quiet = f.quiet && sel.quiet
			continue
		}
		var f *focusState
		for _, o := range old {
			if o.id == sel.focus {
				f = o
				break
			}
		}
		if f == nil {
			f = &focusState{id: sel.focus, dwell: sel.focus == id && moved}
		}
		f.quiet = sel.quiet
		s.focuses = append(s.focuses, f)
	}
}

// focusOf is the merged focus of a device, nil when no view focuses it.
func (s *Scheduler) focusOf(id string) *focusState {
	for _, f := range s.focuses {
		if f.id == id {
			return f
		}
	}
	return nil
}

// lookUpVisible gathers the readable devices on every view's screen, each
// once.
func (s *Scheduler) lookUpVisible() {
	s.onScreen = s.onScreen[:0]
	s.screenGen++
	one := len(s.viewOrder) == 1
	if !one {
		if s.seen == nil {
			s.seen = map[string]struct{}{}
		}
		clear(s.seen)
	}
	for _, v := range s.viewOrder {
		for _, id := range s.views[v].visible {
			if !one {
				if _, twice := s.seen[id]; twice {
					continue
				}
				s.seen[id] = struct{}{}
			}
			if e := s.byID[id]; e != nil {
				if e.screen != s.screenGen-1 {
					e.shown = time.Time{} // just come on screen: its dwell starts
				}
				e.screen = s.screenGen
				s.onScreen = append(s.onScreen, e)
			}
		}
	}
}

// NextFocusOf is when a focused device is due, for "next in 6s"; zero
// when nothing will read it (it is not focused by any view, reads are
// paused or held by a refused key, or the share of today's quota is
// spent).
func (s *Scheduler) NextFocusOf(id string, now time.Time) time.Time {
	f := s.focusOf(id)
	if f == nil {
		return time.Time{}
	}
	e := s.byID[id]
	if e == nil || s.paused || s.authWhy != "" {
		return time.Time{}
	}
	r := s.Rate(now)
	if r <= 0 {
		return time.Time{} // the share of today's quota is spent
	}
	due := s.focusDue(f, e, r, now)
	if o := s.outAt(now); o.active {
		due = later(due, o.until)
	}
	return due
}

// NextFocus is when view 0's focused device is due (see NextFocusOf).
func (s *Scheduler) NextFocus(now time.Time) time.Time {
	sel := s.views[0]
	if sel == nil {
		return time.Time{}
	}
	return s.NextFocusOf(sel.focus, now)
}

// FocusIntervalOf is how often a device focused by some view is read at
// now's budget, with every device focused now: its reporting interval
// once learned, when the budget allows that often.
func (s *Scheduler) FocusIntervalOf(id string, now time.Time) time.Duration {
	quiet := false
	if f := s.focusOf(id); f != nil {
		quiet = f.quiet
	}
	return s.reportPace(id, s.focusEvery(s.Rate(now), quiet), quiet)
}

// reportPace is a focused device's read interval: its reporting interval
// once learned, never more often than every, the budget's.
func (s *Scheduler) reportPace(id string, every time.Duration, quiet bool) time.Duration {
	if e := s.byID[id]; e != nil && !quiet {
		if iv := e.interval(); iv > every {
			return iv
		}
	}
	return every
}

// FocusInterval is how often view 0's focused device is read at now's
// budget.
func (s *Scheduler) FocusInterval(now time.Time) time.Duration {
	id, quiet := "", false
	if sel := s.views[0]; sel != nil {
		id, quiet = sel.focus, sel.quiet
	}
	if f := s.focusOf(id); f != nil {
		quiet = f.quiet
	}
	return s.reportPace(id, s.focusEvery(s.Rate(now), quiet), quiet)
}

// focusDue is when a focused device is due: a focus interval after its
// last read (at once after an outage or r), its own hold permitting, and
// not before the dwell of a move has passed (counted from now if the
// move has not been stamped yet).
func (s *Scheduler) focusDue(f *focusState, e *entry, r float64, now time.Time) time.Time {
	var due time.Time
	if !f.now && !e.last.IsZero() {
		due = e.last.Add(s.focusEvery(r, f.quiet))
		// a device whose interval is known is read when its next
		// message is due, not blindly
		if iv := e.interval(); iv > 0 && !f.quiet && !e.newest.IsZero() && f.readOnce {
			due = later(due, expectDue(e, iv))
		}
	}
	if !e.hold.IsZero() {
		due = later(due, e.hold)
	}
	if f.dwell {
		at := f.at
		if at.IsZero() {
			at = later(now, s.now)
		}
		due = later(due, at.Add(FocusDwell))
	}
	return due
}

// readAllFocusNow has every focused device read at once: an outage ended,
// or the user pressed r.
func (s *Scheduler) readAllFocusNow() {
	for _, f := range s.focuses {
		f.now = true
	}
}

// SetQuiet says whether a device is quiet (not heard from lately) for
// every view focusing it: a quiet focused device is read every QuietEvery
// at most.
func (s *Scheduler) SetQuiet(id string, quiet bool) {
	changed := false
	for _, v := range s.viewOrder {
		if sel := s.views[v]; sel.focus == id && sel.quiet != quiet {
			sel.quiet, changed = quiet, true
		}
	}
	if changed {
		s.mergeFocus("", false)
	}
}

// Focused is the focused device of the first view that has one ("" when
// none): the one the offline cache reopens on.
func (s *Scheduler) Focused() string {
	for _, v := range s.viewOrder {
		if f := s.views[v].focus; f != "" {
			return f
		}
	}
	return ""
}
