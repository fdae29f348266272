package state

import (
	"testing"
	"time"
)

// runViews answers every read at once, every 100 ms of a fake clock, from
// start for d, and counts the reads of each device.
func runViews(s *Scheduler, start time.Time, d time.Duration) map[string]int {
	n := map[string]int{}
	for now := start; now.Before(start.Add(d)); now = now.Add(100 * time.Millisecond) {
		for _, r := range drain(s, now) {
			n[r.DeviceID]++
			s.Done(r, now, nil)
		}
	}
	return n
}

// firstPassDone reads every device once, so that what follows is the
// steady state.
func firstPassDone(t *testing.T, s *Scheduler) time.Time {
	t.Helper()
	now := t0
	for range 600 {
		if _, _, done := s.Progress(); done {
			return now
		}
		for _, r := range drain(s, now) {
			s.Done(r, now, nil)
		}
		now = now.Add(100 * time.Millisecond)
	}
	t.Fatal("the first pass never ended")
	return now
}

// Two views focusing one device cost one set of reads: the device is read
// once per focus interval, as often as with one view.
func TestTwoViewsOnOneDeviceCostOneSetOfReads(t *testing.T) {
	t.Parallel()
	one, _ := newSched(20)
	two, _ := newSched(20)
	start := firstPassDone(t, one)
	if s2 := firstPassDone(t, two); !s2.Equal(start) {
		t.Fatalf("first passes differ: %v and %v", start, s2)
	}
	one.SetViewFocus(1, "DEV000003", false)
	two.SetViewFocus(1, "DEV000003", false)
	two.SetViewFocus(2, "DEV000003", false)
	two.SetViewVisible(1, []string{"DEV000003", "DEV000004"})
	two.SetViewVisible(2, []string{"DEV000003", "DEV000004"})
	one.SetViewVisible(1, []string{"DEV000003", "DEV000004"})
	const span = 2 * time.Minute
	a, b := runViews(one, start, span), runViews(two, start, span)
	most := int(span/one.FocusIntervalOf("DEV000003", start)) + 1
	if a["DEV000003"] > most || a["DEV000003"] < most-2 {
		t.Fatalf("one view: the focused device was read %d times in %v, want about %d", a["DEV000003"], span, most)
	}
	if b["DEV000003"] != a["DEV000003"] {
		t.Fatalf("two views on one device: %d reads, one view: %d", b["DEV000003"], a["DEV000003"])
	}
	if b["DEV000004"] != a["DEV000004"] {
		t.Fatalf("a device on two views' screens: %d reads, on one: %d", b["DEV000004"], a["DEV000004"])
	}
}

// Two views focusing two devices share the focus share fairly: each
// device is read as often as the other, at the interval the scheduler
// says; when one view goes, its device is no longer read as a focus.
func TestViewsFocusingTwoDevicesShareFairlyAndLeave(t *testing.T) {
	t.Parallel()
	s, _ := newSched(20)
	start := firstPassDone(t, s)
	s.SetViewFocus(1, "DEV000001", false)
	s.SetViewFocus(2, "DEV000002", false)
	const span = 2 * time.Minute
	n := runViews(s, start, span)
	every := s.FocusIntervalOf("DEV000001", start)
	if got := s.FocusIntervalOf("DEV000002", start); got != every {
		t.Fatalf("intervals differ: %v and %v", every, got)
	}
	want := int(span / every)
	for _, id := range []string{"DEV000001", "DEV000002"} {
		if n[id] < want-1 || n[id] > want+1 {
			t.Fatalf("%s read %d times in %v at %v, want about %d (%v)", id, n[id], span, every, want, n)
		}
	}
	s.DropView(2)
	if !s.NextFocusOf("DEV000002", start.Add(span)).IsZero() {
		t.Fatal("a device focused only by a view that left is still due as a focus")
	}
	n = runViews(s, start.Add(span), span)
	if n["DEV000002"] > 1 { // the background reads it every RestEvery at most
		t.Fatalf("after its view left, DEV000002 was read %d times in %v", n["DEV000002"], span)
	}
	if n["DEV000001"] < int(span/s.FocusIntervalOf("DEV000001", start))-1 {
		t.Fatalf("the remaining view's device was read %d times", n["DEV000001"])
	}
}

// A view moving onto a device another view already focuses does not put
// it through a dwell again, nor move its next read.
func TestJoiningAFocusKeepsItsTiming(t *testing.T) {
	t.Parallel()
	s, _ := newSched(20)
	now := firstPassDone(t, s)
	s.SetViewFocus(1, "DEV000005", false)
	s.SetViewFocus(2, "DEV000006", false)
	s.SetViewFocus(3, "DEV000006", false)
	runViews(s, now, 20*time.Second)
	now = now.Add(20 * time.Second)
	s.Advance(now)
	due := s.NextFocusOf("DEV000005", now)
	s.SetViewFocus(3, "DEV000005", false) // moved from DEV000006, which view 2 keeps
	if got := s.NextFocusOf("DEV000005", now); !got.Equal(due) {
		t.Fatalf("a second view joining moved the device's next read from %v to %v", due, got)
	}
}
