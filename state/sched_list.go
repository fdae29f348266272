package state

import (
	"time"

	"sqc/api"
)

// A listing that stopped early (a server that pages for ever, repeats a
// cursor, or more pages than its budget) spent up to its budget, and the
// next would spend as much again for the same cut-short list: the list is
// not read again by itself for ListStoppedHold, doubling after each stop
// up to ListStoppedMax.
const (
	ListStoppedHold = time.Hour
	ListStoppedMax  = 24 * time.Hour
)

// stoppedList is the state of listings that stopped early.
type stoppedList struct {
	n     int       // stops in a row, of listings the scheduler made
	until time.Time // no listing by itself before
	why   string
	// userSpent: the user has had the one listing a backoff allows.
	userSpent bool
}

// ListStopped records that the listing r stopped early, for why, with the
// devices it gathered (none, or a part of the account): they are read
// like any others, but the limits stay those known before it, since a
// server that pages out new "Hosted" devices for ever would raise them
// without end. The list is then read again after a backoff (ListStoppedHold,
// doubling); the user may list once before it ends (Ask says no after),
// which keeps the backoff where it was. Call it after Done.
func (s *Scheduler) ListStopped(r Request, devices []api.Device, now time.Time, why string) {
	s.tick(now)
	if len(devices) > 0 {
		known := s.limits
		s.SetDevices(devices, now)
		s.limits = known
	}
	st := &s.list.stopped
	st.why = why
	if r.User && st.until.After(now) {
		st.userSpent = true
		return
	}
	st.n++
	st.userSpent = false
	st.until = now.Add(min(ListStoppedMax, ListStoppedHold<<min(st.n-1, 5)))
}

// Stopped says why the last listing stopped early and when the list is
// read again by itself ("" and zero after a complete listing), and
// whether the user may still list before then.
func (s *Scheduler) Stopped() (until time.Time, why string, askable bool) {
	st := s.list.stopped
	if st.n == 0 && st.why == "" {
		return time.Time{}, "", true
	}
	return st.until, st.why, s.listAskable()
}

// listAskable reports whether the user may list now: not a second time
// in one backoff after a stopped listing.
func (s *Scheduler) listAskable() bool {
	st := s.list.stopped
	return !(st.userSpent && st.until.After(s.now))
}

// firstList reports whether the first listing of the session is due: it
// goes even when the day's quota as known is spent, since until the
// account is listed its limits are a guess (the smallest account's).
func (s *Scheduler) firstList(now time.Time) bool {
	return s.list.last.IsZero() && !s.list.inflight && !s.list.hold.After(now) && !s.list.stopped.until.After(now)
}
