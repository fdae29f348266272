package state

import (
	"time"

	"sqc/api"
)

// ConnState is what the console can truthfully say about the connection.
type ConnState int

const (
	ConnConnecting  ConnState = iota // nothing has answered yet this session
	ConnOnline                       // the server answered since the last failure of the fleet
	ConnOffline                      // no answer: network, DNS, refused, timeout
	ConnServerError                  // the server answered 5xx
	ConnRateLimited                  // the account's 429: every read waits
	ConnKeyRefused                   // 401 (or 403 about no device): a new key is needed
)

var connNames = [...]string{"connecting", "online", "offline", "server error", "rate limited", "key refused"}

func (c ConnState) String() string { return connNames[c] }

// Conn is the connection as the header shows it.
type Conn struct {
	State ConnState
	// Until is when the next try goes, while the state is a failure. It
	// may be past: a try is out and its answer not yet back.
	Until time.Time
	// Why says what failed, in the console's own words (no server text).
	Why string
	// Capped is set when the server's Retry-After asked for more than
	// MaxRetryAfter, which is all the console waits.
	Capped bool
	// Live is set once anything was read this session: until then the
	// screen shows what was cached.
	Live bool
}

// Backoff of the whole fleet after a failure of the network, the server
// or the account's rate limit.
const (
	BackoffStart  = 2 * time.Second
	BackoffMax    = time.Minute
	MaxRetryAfter = 15 * time.Minute
)

// outage is one spell of fleetwide failure, from the first failed answer
// to the first answer of a request sent after it began.
type outage struct {
	active  bool
	kind    api.Failure
	seq     int // requests up to this ID were sent before the outage (or its last failed probe)
	fails   int // probes that failed: each doubles the wait
	until   time.Time
	capped  bool
	probing bool // the one request allowed through is out
}

func (o *outage) state() ConnState {
	switch o.kind {
	case api.FailServer:
		return ConnServerError
	case api.FailRateLimit:
		return ConnRateLimited
	}
	return ConnOffline
}

func (o *outage) why() string {
	switch o.kind {
	case api.FailServer:
		return "the server answers with errors (5xx)"
	case api.FailRateLimit:
		return "rate limited (429): the account's limit is reached"
	}
	return "no answer from the server"
}

// backoffFor is the wait after fails failed probes, never shorter than
// the server's Retry-After up to MaxRetryAfter.
func backoffFor(fails int, retryAfter time.Duration) (time.Duration, bool) {
	d := BackoffMax
	if fails < 6 {
		d = min(BackoffMax, BackoffStart<<fails)
	}
	capped := retryAfter > MaxRetryAfter
	return max(d, min(retryAfter, MaxRetryAfter)), capped
}

// begin starts the outage, or its next round after a probe failed.
func (s *Scheduler) begin(kind api.Failure, at time.Time, fails int, retryAfter time.Duration) {
	wait, capped := backoffFor(fails, retryAfter)
	s.out = outage{active: true, kind: kind, seq: s.nextID, fails: fails, until: at.Add(wait), capped: capped}
}

// settle is the least time a connection state is shown once anything has
// answered: a server failing every other call does not make the header
// flicker between two states.
const settle = time.Second

// fleetFailed applies a failure of the network, the server or the
// account's rate limit. Only the first failure of an outage and failed
// probes move the backoff: requests that were already out when the outage
// began fail too, and say nothing new.
func (s *Scheduler) fleetFailed(f flight, kind api.Failure, err error, now time.Time) {
	s.heard = true
	ra := api.RetryAfterOf(err)
	// A 429 the ledger already reported was applied at its arrival time.
	told := kind == api.FailRateLimit && !s.seen429.Before(f.at)
	switch {
	case !s.out.active:
		if told {
			return
		}
		// A request sent before one that succeeded is old news, unless the
		// server itself says stop.
		if f.req.ID < s.lastOKID && kind != api.FailRateLimit {
			return
		}
		s.begin(kind, now, 0, ra)
	case f.req.ID > s.out.seq:
		s.begin(kind, now, s.out.fails+1, ra)
	case ra > 0 && !told:
		// Already out when the outage began: it may only lengthen the wait
		// to what the server asked for.
		if wait, capped := backoffFor(0, ra); now.Add(wait).After(s.out.until) {
			s.out.until, s.out.capped = now.Add(wait), capped
			if kind == api.FailRateLimit {
				s.out.kind = kind
			}
		}
	}
}

// reached applies an answer from the server: a request sent after the
// outage began got through, so the outage is over and the focused device,
// which waited, is read at once.
func (s *Scheduler) reached(f flight) {
	s.heard = true
	s.lastOKID = max(s.lastOKID, f.req.ID)
	if s.out.active && f.req.ID > s.out.seq {
		s.out = outage{}
		s.readAllFocusNow()
	}
}

// heed429 applies the account's 429 as soon as the ledger heard it on the
// client's goroutine, before the console has folded the answer: no read
// may leave between the 429 and its Retry-After.
func (s *Scheduler) heed429() {
	at, _ := s.ledger.LastRateLimit()
	if !at.After(s.seen429) {
		return
	}
	o := s.outAt(s.now)
	s.seen429 = at
	if o != s.out {
		s.out, s.heard = o, true
	}
}

// outAt is the outage as it stands at now: the one recorded, with a 429
// the ledger heard since the scheduler last took in the time. It changes
// nothing, so that getters can say what Advance would make of it.
func (s *Scheduler) outAt(now time.Time) outage {
	o := s.out
	at, ra := s.ledger.LastRateLimit()
	if !at.After(s.seen429) {
		return o
	}
	wait, capped := backoffFor(0, ra)
	if !at.Add(wait).After(later(now, s.now)) {
		return o // over before this scheduler heard of it
	}
	if !o.active {
		return outage{active: true, kind: api.FailRateLimit, seq: s.nextID, until: at.Add(wait), capped: capped}
	}
	if at.Add(wait).After(o.until) {
		o.until, o.capped, o.kind = at.Add(wait), capped, api.FailRateLimit
	}
	return o
}

// header is what the header shows of the connection and since when, and
// since when the state underneath has been what it is.
type header struct {
	shown   Conn
	shownAt time.Time
	raw     ConnState
	rawAt   time.Time
}

// Conn is the connection state at now, derived only from answers (never
// from what was scheduled). Once anything has answered, a state is shown
// for a second at least: a change within it shows when the second is up,
// if it still holds. Reads are held back at once all the same. Asking
// changes nothing: Advance, Next and Done record what was shown.
func (s *Scheduler) Conn(now time.Time) Conn { return s.headerAt(now).shown }

// noteShown records what the header shows at now, so that the second a
// state is shown for counts from when it was first shown.
func (s *Scheduler) noteShown(now time.Time) { s.hdr = s.headerAt(now) }

func (s *Scheduler) headerAt(now time.Time) header {
	h := s.hdr
	c := s.rawConn(now)
	if c.State != h.raw {
		h.raw, h.rawAt = c.State, now
	}
	switch {
	case c.State == h.shown.State:
		h.shown = c
	case h.shown.State == ConnConnecting:
		h.shown, h.shownAt = c, now
	case !now.Before(h.shownAt.Add(settle)):
		// shown from when the second was up, or from the change if later
		h.shown, h.shownAt = c, later(h.shownAt.Add(settle), h.rawAt)
	default:
		h.shown.Live = c.Live
	}
	return h
}

func (s *Scheduler) rawConn(now time.Time) Conn {
	c := Conn{Live: s.live}
	switch o := s.outAt(now); {
	case s.authWhy != "":
		c.State, c.Why = ConnKeyRefused, s.authWhy
	case o.active:
		c.State, c.Until, c.Why, c.Capped = o.state(), o.until, o.why(), o.capped
	case s.heard:
		c.State = ConnOnline
	default:
		c.State = ConnConnecting
	}
	return c
}

// RetryNow is the user's r: it ends a backoff of the network or the
// server at once, and the focused device is read first. A 429 cannot be
// cut short, nor a refused key retried: then it says until when (zero for
// the key) and why, and nothing changes.
func (s *Scheduler) RetryNow(now time.Time) (time.Time, string) {
	s.tick(now)
	if s.authWhy != "" {
		return time.Time{}, "the key was refused: enter a new one"
	}
	if s.out.active && s.out.kind == api.FailRateLimit && now.Before(s.out.until) {
		return s.out.until, "rate limited: the server asked the console to wait"
	}
	if s.out.active && now.Before(s.out.until) {
		s.out.until = now
	}
	s.readAllFocusNow()
	s.noteShown(now)
	return time.Time{}, ""
}

// ClearAuth lifts the hold of a refused key once the console has a new one.
func (s *Scheduler) ClearAuth() { s.authWhy = "" }

// Backoff says until when and why every read is held back (zero when not).
// While the one try of an outage is out, until is now.
func (s *Scheduler) Backoff(now time.Time) (time.Time, string) {
	o := s.outAt(now)
	if !o.active {
		return time.Time{}, ""
	}
	return later(o.until, now), o.why()
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
