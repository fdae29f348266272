package state

import (
	"errors"
	"net/http"
	"time"

	"sqc/api"
)

// A 5xx says the server failed, not whether it fails for everyone or for
// one device: a server that answers every read of one device with 500 and
// every other read well is one device's problem, and holding the fleet for
// it (then probing with that same device) would stop every read. So a 5xx
// is first held as its target's own failure once the server has answered
// anything this session; only when a second target fails with a 5xx
// before anything succeeds does the fleet back off, and
// the targets that were held for it are let go: the server was at fault.
// A 503 (or a 5xx with Retry-After) is the server saying it is overloaded:
// that holds the fleet at once.
//
// serverFailed returns whether the 5xx holds the fleet.
func (s *Scheduler) serverFailed(f flight, e *entry, err error, now time.Time) bool {
	if s.out.active || s.lastOKID == 0 || api.RetryAfterOf(err) > 0 || statusOf(err) == http.StatusServiceUnavailable {
		// An outage already (its probes and stragglers), a server that has
		// answered nothing well this session, or one saying it is
		// overloaded (503, Retry-After): the fleet waits.
		return true
	}
	key := targetKey(f.req)
	if s.failing == nil {
		s.failing = map[string]bool{}
	}
	s.failing[key] = true
	if len(s.failing) >= 2 {
		s.releaseServerHolds(now)
		return true
	}
	if f.req.Kind == KindList {
		s.holdList(err, now)
	} else if e != nil {
		s.holdDevice(e, err, now)
	}
	return false
}

// serverAnswered forgets the 5xx seen since the last success: the server
// works, so each of them was its target's own.
func (s *Scheduler) serverAnswered() { clear(s.failing) }

// releaseServerHolds lets go of the targets held for a 5xx that turned out
// to be the whole server's: they are read again when the outage ends.
func (s *Scheduler) releaseServerHolds(now time.Time) {
	for key := range s.failing {
		if key == listKey {
			if s.list.holdServer {
				s.list.hold, s.list.holdWhy, s.list.holdServer = time.Time{}, "", false
				s.list.holdN = max(0, s.list.holdN-1)
			}
			continue
		}
		if e := s.byID[key]; e != nil && e.holdServer {
			e.hold, e.holdWhy, e.holdServer = time.Time{}, "", false
			e.holdN = max(0, e.holdN-1)
			s.heap.reschedule(e, now)
		}
	}
	clear(s.failing)
}

// listKey stands for the device list among the targets that failed.
const listKey = "\x00list"

func targetKey(r Request) string {
	if r.Kind == KindList {
		return listKey
	}
	return r.DeviceID
}

func statusOf(err error) int {
	var e *api.Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}
