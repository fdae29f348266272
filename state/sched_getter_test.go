package state

import (
	"testing"
	"time"
)

// Asking the scheduler what it would say (the header's state, the focused
// device's next read, the backoff) changes nothing: a console drawing a
// frame between two answers, or two views asking at different times, must
// not move a read. Two schedulers get the same calls; one is also asked
// every getter, twice, at times of its own; they read the same devices at
// the same times and show the same header.
func TestGettersDoNotMoveTheScheduler(t *testing.T) {
	t.Parallel()
	plain, _ := newSched(20)
	asked, _ := newSched(20)
	ask := func(now time.Time) {
		for range 2 {
			asked.Conn(now)
			asked.NextFocus(now)
			asked.Backoff(now)
			asked.Rate(now)
			asked.FocusInterval(now)
		}
	}
	now := t0
	step := func(s *Scheduler, err error) []Request {
		reqs := drain(s, now)
		for _, r := range reqs {
			s.Done(r, now, err)
		}
		return reqs
	}
	same := func(what string, a, b []Request) {
		t.Helper()
		if len(a) != len(b) {
			t.Fatalf("%s: %d reads without asking, %d with", what, len(a), len(b))
		}
		for i := range a {
			if a[i].DeviceID != b[i].DeviceID || a[i].Kind != b[i].Kind {
				t.Fatalf("%s: read %d is %+v without asking, %+v with", what, i, a[i], b[i])
			}
		}
		if pc, ac := plain.Conn(now), asked.Conn(now); pc != ac {
			t.Fatalf("%s: header %+v without asking, %+v with", what, pc, ac)
		}
	}
	for range 5 { // the first pass
		same("first pass", step(plain, nil), step(asked, nil))
		now = now.Add(time.Second)
	}
	for _, s := range []*Scheduler{plain, asked} {
		s.SetFocus("DEV000001", false)
	}
	now = now.Add(FocusEvery)
	same("focus on one", step(plain, nil), step(asked, nil))
	// The focus moves on; the asked one is asked at once, before any time
	// is told: the dwell still counts from when the scheduler heard of it.
	for _, s := range []*Scheduler{plain, asked} {
		s.SetFocus("DEV000002", false)
	}
	ask(now)
	now = now.Add(200 * time.Millisecond)
	same("moved", step(plain, nil), step(asked, nil))
	ask(now)
	now = now.Add(150 * time.Millisecond)
	same("dwelt 350 ms, 150 after the scheduler heard a time", step(plain, nil), step(asked, nil))
	// An outage, asked about within the second a state is shown for.
	now = now.Add(FocusEvery)
	same("failed", step(plain, errNet), step(asked, errNet))
	for _, d := range []time.Duration{300 * time.Millisecond, 700 * time.Millisecond, BackoffStart} {
		ask(now.Add(d / 2))
		now = now.Add(d)
		same("in the outage", step(plain, nil), step(asked, nil))
	}
}
