package state

import (
	"math"
	"math/bits"
	"time"

	"sqc/api"
)

// Change detection. The device list tells every device's lastSeen at one
// request per 1,000 devices, while a read of one device's data costs a
// request for one device: so the list is read as often as the budget
// affords and a device's data only when its lastSeen moved past what its
// reads have covered. A server whose list carries no lastSeen, or whose
// lastSeen does not move while data does, is read round the fleet evenly
// instead, and Fallback says so.

// Re-listing: at most listShare of the budget goes to the list, never
// more often than ListMin.
const (
	ListMin   = 15 * time.Second
	listShare = 0.25
	// ScreenDwell is how long a device stays on screen before it is read:
	// scrolling past costs nothing.
	ScreenDwell = FocusDwell
	// emptyAfter of a device's last emptyOf change reads that brought
	// nothing (a lastSeen that moves by itself) put it back at the
	// fleet's even pace.
	emptyAfter = 2
	emptyOf    = 4
	// seenSkew is how far a lastSeen may be ahead of the console's clock
	// before it is taken for the list's time: a device whose clock is
	// wrong would otherwise look changed for ever.
	seenSkew = 5 * time.Second
)

type changeMode int

const (
	modeLearning changeMode = iota // no lastSeen has moved yet: read evenly
	modeDetect                     // read what moved
	modeBlind                      // the list cannot tell: read evenly, and say so
)

// changeState is what the scheduler knows of the list's lastSeen.
type changeState struct {
	mode     changeMode
	why      string    // why it reads evenly, in modeBlind
	stuck    int       // lists in a row behind the data with nothing moved
	listSent time.Time // when the latest listing answered was sent
	fresh    freshness
}

// farFuture parks a device in the heap: nothing will read it until its
// lastSeen moves.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// Fallback says why the fleet is read round-robin rather than by what
// changed ("" while change detection works).
func (s *Scheduler) Fallback() string {
	switch s.chg.mode {
	case modeBlind:
		return s.chg.why
	case modeLearning:
		if s.gen > 0 {
			return "no device's lastSeen has moved in the device list yet"
		}
	}
	return ""
}

// detecting reports whether reads follow the list's lastSeen.
func (s *Scheduler) detecting() bool { return s.chg.mode == modeDetect }

// changed reports whether a device's lastSeen is past what its reads have
// covered.
func (e *entry) changed() bool { return e.seen.After(e.covered) }

// changeDue is when a device is read in the background while change
// detection works: not before its lastSeen moves, then the longest-unread
// first, at the fleet's even pace for a device whose moves bring nothing.
func (s *Scheduler) changeDue(e *entry, now time.Time) time.Time {
	return s.changeDueAt(e, s.restPace(now))
}

// changeDueAt is changeDue with the even pace given: the fleet's, or the
// screen's for a device on screen.
func (s *Scheduler) changeDueAt(e *entry, pace time.Duration) time.Time {
	if !e.answered {
		return e.due // its first read, in list order
	}
	if !e.changed() {
		return farFuture
	}
	at := e.last
	if e.emptyLately() >= emptyAfter {
		at = e.last.Add(pace)
	}
	return later(at, e.hold)
}

// restPace is the round-robin interval of the fleet at now's budget.
func (s *Scheduler) restPace(now time.Time) time.Duration {
	d := s.restEvery(s.Rate(now))
	if d == never {
		d = RestEvery
	}
	return d
}

// noteList takes in one listing's lastSeen: each device's, clamped to the
// list's time, and whether the list can tell changes at all. carries is
// how many listed devices carry a lastSeen; moved how many moved forward.
func (s *Scheduler) noteList(carries, readable, moved, behind int, now time.Time) {
	c := &s.chg
	was := c.mode
	switch {
	case carries == 0 && readable > 0:
		c.mode, c.why = modeBlind, "the server's device list carries no lastSeen"
	case moved > 0:
		c.mode, c.why, c.stuck = modeDetect, "", 0
	case behind > 0 && c.mode != modeBlind:
		// a device's data is newer than its lastSeen, in a list sent well
		// after that data, and no lastSeen moved: twice in a row, the
		// list's lastSeen is taken to be stuck
		c.stuck++
		if c.stuck >= 2 {
			c.mode, c.why = modeBlind, "the device list's lastSeen does not move while data does"
		}
	}
	if c.mode != was {
		s.replan(now)
	}
}

// replan places every answered device for the mode just entered.
func (s *Scheduler) replan(now time.Time) {
	for _, e := range s.byID {
		if !e.answered || e.inflight {
			continue
		}
		if s.detecting() {
			s.heap.reschedule(e, s.changeDue(e, now))
		} else {
			s.heap.reschedule(e, later(s.nextBackground(e, true, now), e.hold))
		}
	}
}

// seenOf is a device's lastSeen as the scheduler takes it: never later
// than the list's time (a lastSeen in the future).
func seenOf(d *api.Device, now time.Time) time.Time {
	t := d.Seen()
	if t.After(now.Add(seenSkew)) {
		return now
	}
	return t
}

// Got tells what a successful read of a device's data brought: the time
// of its newest message (zero when the answer had none) and the spacing
// of its messages when the answer showed several (zero if not). Call it
// after Done. It moves the device's next read: a read that brings
// nothing where the list said something moved counts against the device.
func (s *Scheduler) Got(id string, newest time.Time, spacing time.Duration, now time.Time) {
	s.tick(now)
	e := s.byID[id]
	if e == nil {
		return
	}
	prev := e.newest
	news := newest.After(prev)
	if !prev.IsZero() {
		s.chg.fresh.read(now, news, now.Sub(newest))
	}
	if news {
		if !prev.IsZero() {
			e.learnGap(newest.Sub(prev))
		}
		e.newest = newest
	}
	if e.chase {
		e.empty <<= 1
		if !news {
			e.empty |= 1
		}
	}
	e.chase = false
	if spacing > 0 {
		e.spacing = spacing
	}
	// the list's lastSeen is in whole seconds; a message from a device
	// whose clock runs ahead covers no later than now
	e.covered = later(e.covered, minTime(e.newest, now).Truncate(time.Second))
	if s.detecting() && e.answered && !e.inflight {
		s.heap.reschedule(e, s.changeDue(e, now))
	}
}

// Newest is the time of a device's newest message read this session (zero
// if none): the next read starts just after it.
func (s *Scheduler) Newest(id string) time.Time {
	if e := s.byID[id]; e != nil {
		return e.newest
	}
	return time.Time{}
}

// learnGap keeps the spacing between the last new messages: the smallest
// of them is the device's interval (a read that missed a message sees two
// intervals as one).
func (e *entry) learnGap(d time.Duration) {
	if d <= 0 {
		return
	}
	copy(e.gaps[1:], e.gaps[:len(e.gaps)-1])
	e.gaps[0] = d
}

// interval is a device's reporting interval as learned: the spacing its
// answers showed, else the smallest of its last gaps once two are known.
func (e *entry) interval() time.Duration {
	if e.spacing > 0 {
		return e.spacing
	}
	n, least := 0, time.Duration(math.MaxInt64)
	for _, g := range e.gaps {
		if g > 0 {
			n++
			least = min(least, g)
		}
	}
	if n < 2 {
		return 0
	}
	return least
}

// expectDue is when a focused device whose interval is known is read: a
// short probe after its next message is expected, then, while it is late,
// after waits that grow with its lateness up to its interval.
func expectDue(e *entry, iv time.Duration) time.Time {
	expected := e.newest.Add(iv)
	probe := min(5*time.Second, max(time.Second, iv/20))
	if e.last.Before(expected.Add(probe)) {
		return expected.Add(probe)
	}
	late := e.last.Sub(expected)
	return e.last.Add(min(iv, max(FocusEvery, late)))
}

// emptyLately is how many of its last emptyOf change reads brought nothing.
func (e *entry) emptyLately() int {
	return bits.OnesCount8(e.empty & (1<<emptyOf - 1))
}
