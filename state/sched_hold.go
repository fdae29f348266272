package state

import (
	"errors"
	"fmt"
	"time"

	"sqc/api"
)

// A failure of one device holds that device alone, and it is tried again
// after a growing interval; the rest of the fleet goes on being read.
const (
	HoldStart = time.Minute
	HoldMax   = 30 * time.Minute
)

// holdFor is the wait after a target's n-th failure in a row.
func holdFor(n int) time.Duration {
	if n > 6 {
		return HoldMax
	}
	return min(HoldMax, HoldStart<<max(0, n-1))
}

// holdReason says in the console's own words (never the server's, which
// are untrusted) why a device's read failed, and whether it is its
// monthly limit, which nothing can lift before the next month.
func holdReason(err error) (string, bool) {
	if api.IsMonthlyLimit(err) {
		return "its 50 calls this month are spent", true
	}
	var e *api.Error
	if !errors.As(err, &e) {
		return "its read failed", false
	}
	switch {
	case e.Local:
		return "its ID cannot be sent (nothing was sent)", false
	case errors.Is(err, api.ErrTooLarge):
		return fmt.Sprintf("its answer was over %d MiB", api.MaxBody>>20), false
	case e.Status >= 200 && e.Status < 300:
		return "its answer was malformed", false
	case e.Status == 400:
		return "the server refused the request as invalid (400)", false
	case e.Status == 403:
		return "its plan or this key has no access to it (403)", false
	case e.Status == 404:
		return "not found (404)", false
	case e.Status == 422:
		return "the server cannot fulfil the request (422)", false
	}
	if e.Status >= 500 {
		return fmt.Sprintf("the server fails on its reads (%d) while it answers others", e.Status), false
	}
	return fmt.Sprintf("the server refused it (%d)", e.Status), false
}

// answeredByServer tells a failure the server answered from one that
// never left the machine: only the first says the server can be reached.
func answeredByServer(err error) bool {
	var e *api.Error
	return errors.As(err, &e) && e.Status != 0 && !e.Local
}

// holdDevice holds a device after its own failure.
func (s *Scheduler) holdDevice(e *entry, err error, now time.Time) {
	e.last = now
	e.holdN++
	e.holdWhy, e.monthly = holdReason(err)
	e.holdServer = api.Classify(err) == api.FailServer
	if e.monthly {
		e.hold = api.NextMonth(now)
	} else {
		e.hold = now.Add(holdFor(e.holdN))
	}
	s.markAnswered(e)
	s.heap.reschedule(e, e.hold)
}

// holdList holds the device list after a failure of its own (a route the
// server does not know, a malformed page).
func (s *Scheduler) holdList(err error, now time.Time) {
	s.list.last = now
	s.list.holdN++
	s.list.holdWhy, _ = holdReason(err)
	s.list.holdServer = api.Classify(err) == api.FailServer
	s.list.hold = now.Add(holdFor(s.list.holdN))
}

// Hold says why a device's last read failed for a reason of its own, and
// until when that holds it back (it is tried again then); zero and "" once
// it reads again. "" names the device list.
func (s *Scheduler) Hold(id string) (time.Time, string) {
	if id == "" {
		return s.list.hold, s.list.holdWhy
	}
	if e := s.byID[id]; e != nil {
		return e.hold, e.holdWhy
	}
	return time.Time{}, ""
}
