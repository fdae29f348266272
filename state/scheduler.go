package state

import (
	"math"
	"math/rand/v2"
	"time"

	"sqc/api"
)

// Kind is what a request reads.
type Kind int

const (
	KindList Kind = iota // List All Devices
	KindData             // Get Device Data of one device
)

// Request is one read the scheduler wants made now.
type Request struct {
	ID       int
	Kind     Kind
	DeviceID string
	User     bool // asked for by the user: it jumps the queue
}

func (r Request) target() string {
	if r.Kind == KindList {
		return "list"
	}
	return "data:" + r.DeviceID
}

// Minimum intervals, whatever the budget allows.
const (
	FocusEvery = 5 * time.Second
	QuietEvery = time.Minute // a focused device that has gone quiet (stale, offline)
	// QuietOthers is how often a quiet device that is not focused is read:
	// once to show its last words, then rarely, since nothing new can come.
	QuietOthers  = 30 * time.Minute
	VisibleEvery = 30 * time.Second
	RestEvery    = 5 * time.Minute
	ListEvery    = 5 * time.Minute
	burst        = 3.0
	maxBackoff   = 5 * time.Minute
)

// Shares of the budget by priority: the focused device may take 60%, the
// devices on screen 30%, the rest what is left.
const (
	focusShare   = 0.6
	visibleShare = 0.3
	restShare    = 0.1
)

// Scheduler decides which read to make next so that the console never
// spends more than its share of the account's quota: budget = the daily
// quota × share, spread evenly over what is left of the UTC day and
// capped at the rate limit × share. Priority: user actions, then the
// focused device, the devices on screen, the rest.
type Scheduler struct {
	Share  float64
	limits api.Limits
	ledger *Ledger

	focus   string
	quiet   bool // the focused device has gone quiet: fast reads would find nothing new
	visible []string
	rest    []string
	canData map[string]bool
	quietID map[string]bool // stale or offline when the list was read
	paused  bool

	inflight map[string]bool
	last     map[string]time.Time // when a target was last read (or failed)
	user     []Request
	tokens   float64
	tokensAt time.Time

	backoffUntil time.Time
	backoffWhy   string
	failures     int
	nextID       int
	restNext     int
	rng          *rand.Rand
}

// NewScheduler makes a scheduler spending share of the quota that ledger counts.
func NewScheduler(ledger *Ledger, share float64) *Scheduler {
	if share <= 0 || share > 1 {
		share = 0.5
	}
	return &Scheduler{
		Share: share, ledger: ledger, limits: api.LimitsForHosted(0),
		canData: map[string]bool{}, inflight: map[string]bool{}, last: map[string]time.Time{},
		tokens: burst, rng: rand.New(rand.NewPCG(1, 2)),
	}
}

// SetDevices tells the scheduler the account's devices: their plans say
// which may be read, the Hosted count sets the limits, and a device not
// heard from for StaleAfter is read rarely (never, if it was never seen).
func (s *Scheduler) SetDevices(devices []api.Device, now time.Time) {
	s.limits = api.LimitsFor(devices)
	s.canData = make(map[string]bool, len(devices))
	s.quietID = make(map[string]bool)
	s.rest = s.rest[:0]
	for i := range devices {
		d := &devices[i]
		if !d.CanReadData() || d.Seen().IsZero() {
			continue
		}
		s.canData[d.DeviceID] = true
		s.rest = append(s.rest, d.DeviceID)
		if now.Sub(d.Seen()) > StaleAfter {
			s.quietID[d.DeviceID] = true
		}
	}
	if s.restNext >= len(s.rest) {
		s.restNext = 0
	}
}

// Limits are the account limits in use.
func (s *Scheduler) Limits() api.Limits { return s.limits }

// SetFocus names the focused device ("" for none). A quiet device (not
// heard from lately) is read every QuietEvery at most: reading an offline
// device every 5 s would spend the budget on answers that cannot change.
func (s *Scheduler) SetFocus(id string, quiet bool) { s.focus, s.quiet = id, quiet }

// SetVisible names the devices on screen.
func (s *Scheduler) SetVisible(ids []string) { s.visible = append(s.visible[:0], ids...) }

// SetPaused stops or resumes scheduled reads; user actions still go.
func (s *Scheduler) SetPaused(p bool) { s.paused = p }

// Paused reports whether live refresh is paused.
func (s *Scheduler) Paused() bool { return s.paused }

// CanRead reports whether the device's plan allows reading its data.
func (s *Scheduler) CanRead(id string) bool { return s.canData[id] }

// Ask queues a read the user asked for. A data read of a device whose plan
// forbids it is refused (false): it would only cost a 403.
func (s *Scheduler) Ask(kind Kind, id string) bool {
	if kind == KindData && !s.canData[id] {
		return false
	}
	r := Request{Kind: kind, DeviceID: id, User: true}
	for _, q := range s.user {
		if q.target() == r.target() {
			return true
		}
	}
	s.user = append(s.user, r)
	return true
}

// Retry ends a backoff now, for a user who wants to try the network again.
func (s *Scheduler) Retry() { s.backoffUntil = time.Time{} }

// Rate is the budget in requests per second at now.
func (s *Scheduler) Rate(now time.Time) float64 {
	left := float64(s.limits.Daily)*s.Share - float64(s.ledger.UsedToday(now))
	if left < 1 {
		return 0
	}
	secs := math.Max(1, api.NextReset(now).Sub(now).Seconds())
	return math.Min(left/secs, s.limits.RatePerSecond*s.Share)
}

func (s *Scheduler) refill(now time.Time) float64 {
	r := s.Rate(now)
	if !s.tokensAt.IsZero() && now.After(s.tokensAt) {
		s.tokens = math.Min(burst, s.tokens+now.Sub(s.tokensAt).Seconds()*r)
	}
	s.tokensAt = now
	return r
}

// every is the interval a target class gets: its minimum, or its share of
// the budget spread over n targets, whichever is longer.
func every(min time.Duration, r, share float64, n int) time.Duration {
	if r <= 0 {
		return time.Duration(math.MaxInt64)
	}
	d := time.Duration(float64(n) / (r * share) * float64(time.Second))
	return max(min, d)
}

// FocusInterval is how often the focused device is read at now's budget.
func (s *Scheduler) FocusInterval(now time.Time) time.Duration {
	return s.focusEvery(s.Rate(now))
}

func (s *Scheduler) focusEvery(r float64) time.Duration {
	if s.quiet {
		return every(QuietEvery, r, focusShare, 1)
	}
	return every(FocusEvery, r, focusShare, 1)
}

// NextFocus is when the focused device is due, for "next in 6s".
func (s *Scheduler) NextFocus(now time.Time) time.Time {
	if s.focus == "" || !s.canData[s.focus] || s.paused {
		return time.Time{}
	}
	return s.last["data:"+s.focus].Add(s.FocusInterval(now))
}

// Backoff says until when and why reads are held back.
func (s *Scheduler) Backoff(now time.Time) (time.Time, string) {
	if now.Before(s.backoffUntil) {
		return s.backoffUntil, s.backoffWhy
	}
	return time.Time{}, ""
}

// Next returns the read to make now, or how long until one is due (0 when
// none will be until something changes).
func (s *Scheduler) Next(now time.Time) (Request, bool, time.Duration) {
	r := s.refill(now)
	if now.Before(s.backoffUntil) {
		return Request{}, false, s.backoffUntil.Sub(now)
	}
	for i, q := range s.user {
		if !s.inflight[q.target()] {
			s.user = append(s.user[:i], s.user[i+1:]...)
			s.tokens = math.Max(-burst, s.tokens-1)
			return s.start(q), true, 0
		}
	}
	if s.paused || r <= 0 {
		return Request{}, false, 0
	}
	if s.tokens < 1 {
		return Request{}, false, time.Duration((1 - s.tokens) / r * float64(time.Second))
	}
	req, ok, wait := s.due(now, r)
	if !ok {
		return Request{}, false, wait
	}
	s.tokens--
	return s.start(req), true, 0
}

func (s *Scheduler) start(r Request) Request {
	s.nextID++
	r.ID = s.nextID
	s.inflight[r.target()] = true
	return r
}

// due finds the most urgent read that is due, or the wait until one is.
func (s *Scheduler) due(now time.Time, r float64) (Request, bool, time.Duration) {
	soonest := time.Duration(math.MaxInt64)
	check := func(req Request, interval time.Duration) bool {
		t := req.target()
		if s.inflight[t] {
			return false
		}
		last, seen := s.last[t]
		if !seen {
			return true
		}
		if wait := last.Add(interval).Sub(now); wait > 0 {
			soonest = min(soonest, wait)
			return false
		}
		return true
	}
	list := Request{Kind: KindList}
	if check(list, max(ListEvery, time.Duration(30/r*float64(time.Second)))) {
		return list, true, 0
	}
	if s.focus != "" && s.canData[s.focus] {
		if req := (Request{Kind: KindData, DeviceID: s.focus}); check(req, s.focusEvery(r)) {
			return req, true, 0
		}
	}
	if req, ok := s.oldest(s.visible, now, every(VisibleEvery, r, visibleShare, len(s.visible)), check); ok {
		return req, true, 0
	}
	if n := len(s.rest); n > 0 {
		interval := every(RestEvery, r, restShare, n)
		// Round robin from where the last turn stopped: O(1) per call in the
		// usual case, whatever the fleet's size.
		for i := 0; i < min(n, 64); i++ {
			id := s.rest[(s.restNext+i)%n]
			if id == s.focus {
				continue
			}
			if req := (Request{Kind: KindData, DeviceID: id}); check(req, s.others(id, interval)) {
				s.restNext = (s.restNext + i + 1) % n
				return req, true, 0
			}
		}
	}
	if soonest == time.Duration(math.MaxInt64) {
		soonest = time.Minute
	}
	return Request{}, false, soonest
}

// others is the interval of a device that is not focused: a quiet one's
// is QuietOthers at least.
func (s *Scheduler) others(id string, interval time.Duration) time.Duration {
	if s.quietID[id] {
		return max(interval, QuietOthers)
	}
	return interval
}

// oldest picks the due device of ids read longest ago.
func (s *Scheduler) oldest(ids []string, now time.Time, interval time.Duration, check func(Request, time.Duration) bool) (Request, bool) {
	var best Request
	var bestAt time.Time
	found := false
	for _, id := range ids {
		if id == s.focus || !s.canData[id] {
			continue
		}
		req := Request{Kind: KindData, DeviceID: id}
		if !check(req, s.others(id, interval)) {
			continue
		}
		at := s.last[req.target()]
		if !found || at.Before(bestAt) {
			best, bestAt, found = req, at, true
		}
	}
	return best, found
}

// Done records the outcome of a request. A 429, a 503 or a failed network
// holds every read back: Retry-After when the server gave one, else an
// exponential backoff with jitter up to 5 minutes.
func (s *Scheduler) Done(r Request, now time.Time, err error) {
	delete(s.inflight, r.target())
	s.last[r.target()] = now
	switch {
	case err == nil:
		s.failures, s.backoffUntil, s.backoffWhy = 0, time.Time{}, ""
	case api.IsRateLimited(err) || api.IsUnavailable(err):
		wait := api.RetryAfterOf(err)
		if wait <= 0 {
			base := 5 * time.Second << min(s.failures, 6)
			wait = min(maxBackoff, base/2+time.Duration(s.rng.Int64N(int64(base/2)+1)))
		}
		s.failures++
		s.backoffUntil = now.Add(wait)
		switch {
		case api.IsRateLimited(err):
			s.backoffWhy = "rate limited (429)"
		case api.StatusOf(err) != 0:
			s.backoffWhy = "server busy"
		default:
			s.backoffWhy = "offline"
		}
	}
}

// Offline reports whether the last failure was the network itself.
func (s *Scheduler) Offline(now time.Time) bool {
	_, why := s.Backoff(now)
	return why == "offline"
}
