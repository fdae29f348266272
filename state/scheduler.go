package state

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"
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
	// FocusDwell is how long the focus rests on a device, moved there from
	// another, before it is read: scrolling past costs nothing.
	FocusDwell = 300 * time.Millisecond
	// MaxInFlight bounds the requests out at once, of every kind.
	MaxInFlight = 8
	// FirstPassShare of the day's quota may go at the account's full rate
	// to read every device once at start.
	FirstPassShare = 0.02
	idleBurst      = 3.0
	// lostAfter frees the slot of a request whose answer never came back
	// (the console dropped it): longer than any call with its retries.
	lostAfter = 5 * time.Minute
)

// Shares of the budget by priority: the focused device may take 60%, the
// devices on screen 30%. The rest of the fleet is planned on all the
// budget the list leaves: reads go by priority as the budget's tokens
// come, so what the focus and the screen do not take goes to the fleet
// rather than unspent.
const (
	focusShare   = 0.6
	visibleShare = 0.3
	restShare    = 1 - listShare
)

// Scheduler decides which read to make next so that the console never
// spends more than its share of the account's quota, and says what the
// answers mean for the connection.
//
// The protocol: the console calls Next(now) until it says no, issues each
// Request as an asynchronous command, and calls Done(req, now, err) once
// per Request with what the api returned. When Next says no it also says
// how long until a read is due (zero: none until an answer, a user action
// or a new device list), so the console arms one timer. At most
// MaxInFlight requests are out at once.
//
// Budget = the daily quota × Share, spread over what is left of the UTC
// day and capped at the rate limit × Share; at start, until every readable
// device has answered once, reads may go at the account's full rate for
// FirstPassShare of the day's quota. Priority: user actions, the device
// list, the focused device, the devices on screen, the rest of the fleet,
// which is spread evenly over its interval in a heap by due time.
//
// A failure of the network, the server or the account's rate limit holds
// every read (one backoff per outage, then one probe at a time); a failure
// of one device holds that device only; a refused key holds everything
// until ClearAuth. Not safe for concurrent use: the console calls it from
// its update loop; the Ledger it reads is the shared part.
type Scheduler struct {
	Share float64 // of the account's quota this console may spend

	limits api.Limits
	ledger *Ledger
	rng    *rand.Rand

	byID       map[string]*entry   // readable devices: a plan with data, seen once
	listed     map[string]struct{} // the IDs of the last device list, reused
	heap       dueHeap
	gen        int
	unanswered int     // readable devices not answered yet this session
	phase      float64 // where the last first answer was placed in the interval
	firstSpent int     // reads made at the account's full rate

	views     map[ViewID]*viewSel
	viewOrder []ViewID      // the views, in order: merged alike every time
	focuses   []*focusState // the distinct devices the views focus
	onScreen  []*entry      // the readable devices the views show, each once
	seen      map[string]struct{}
	paused    bool

	list target
	user []Request

	flights []flight
	nextID  int // the latest request's ID

	tokens   float64
	tokensAt time.Time
	now      time.Time // the latest time the scheduler was told

	out      outage
	hdr      header    // what the header showed as of the latest time told
	lastOKID int       // the latest request the server answered
	heard    bool      // anything answered this session
	live     bool      // anything read this session
	authWhy  string    // set while the key is refused
	seen429  time.Time // the ledger's latest 429 already applied
	// failing are the targets (device IDs, listKey) that answered 5xx since
	// the server last answered anything well.
	failing map[string]bool

	chg       changeState
	screenGen int
}

// target is the device list's read state.
type target struct {
	last     time.Time
	inflight bool
	hold     time.Time
	holdWhy  string
	holdN    int
	// holdServer: held for a 5xx, which may yet prove the whole server's.
	holdServer bool
	// stopped: the last listings stopped early (see ListStopped); cleared
	// by a complete one.
	stopped stoppedList
}

// flight is one request out.
type flight struct {
	req   Request
	at    time.Time
	probe bool
}

// NewScheduler makes a scheduler spending share of the quota that ledger
// counts (0.5 when share is not in (0, 1]).
func NewScheduler(ledger *Ledger, share float64) *Scheduler {
	if !(share > 0 && share <= 1) {
		share = 0.5
	}
	return &Scheduler{
		Share: share, ledger: ledger, limits: api.LimitsForHosted(0),
		byID: map[string]*entry{}, rng: rand.New(rand.NewPCG(1, 2)),
	}
}

// Advance takes in the time: it stamps a focus change, applies a 429 the
// ledger heard, frees the slots of requests given up for lost and records
// what the header shows. Next, Done and the other calls that take a time
// and change what is scheduled advance the scheduler themselves; the
// getters that take a time (Conn, NextFocus, Backoff, Rate) never do, so
// asking twice says the same and a frame drawn changes nothing.
func (s *Scheduler) Advance(now time.Time) { s.tick(now) }

func (s *Scheduler) tick(now time.Time) {
	s.now = later(now, s.now)
	for _, f := range s.focuses {
		if f.at.IsZero() {
			f.at = now
		}
	}
	for _, e := range s.onScreen {
		if e.shown.IsZero() {
			e.shown = now
		}
	}
	s.heed429()
	for i := 0; i < len(s.flights); i++ {
		if f := s.flights[i]; now.Sub(f.at) >= lostAfter {
			s.flights = slices.Delete(s.flights, i, i+1)
			i--
			s.land(f, now)
		}
	}
	s.noteShown(now)
}

// land frees what a request held: its target and the outage's probe.
func (s *Scheduler) land(f flight, now time.Time) *entry {
	if f.probe {
		s.out.probing = false
	}
	if f.req.Kind == KindList {
		s.list.inflight = false
		return nil
	}
	e := s.byID[f.req.DeviceID]
	if e != nil && e.inflight {
		e.inflight = false
		s.heap.reschedule(e, now) // due again unless its answer says otherwise
	}
	return e
}

// SetDevices tells the scheduler the account's devices: their plans say
// which may be read, the distinct Hosted devices set the limits, and a
// device not heard from for StaleAfter is read rarely (never, if it was
// never seen). New devices are due at once, in list order.
func (s *Scheduler) SetDevices(devices []api.Device, now time.Time) {
	s.tick(now)
	s.gen++
	if s.listed == nil {
		s.listed = make(map[string]struct{}, len(devices))
	}
	clear(s.listed)
	hosted, kept := 0, 0
	carries, readable, moved, behind := 0, 0, 0, 0
	for i := range devices {
		if devices[i].CanReadData() {
			readable++
			if devices[i].LastSeen != nil {
				carries++
			}
		}
	}
	// A server whose list carries no lastSeen at all cannot say which
	// devices were never seen: every device its plan allows is read.
	blind := carries == 0
	// New devices are due now, in list order: the first a moment before the next.
	first := now.Add(-time.Duration(len(devices)))
	for i := range devices {
		d := &devices[i]
		if _, twice := s.listed[d.DeviceID]; twice {
			continue // listed twice: counted once
		}
		s.listed[d.DeviceID] = struct{}{}
		if d.Plan == api.PlanHosted {
			hosted++
		}
		if !d.CanReadData() || d.Seen().IsZero() && !blind {
			continue
		}
		e := s.byID[d.DeviceID]
		if e == nil {
			e = &entry{id: d.DeviceID, due: first.Add(time.Duration(i)), idx: -1}
			s.byID[e.id] = e
			s.heap.push(e)
			s.unanswered++
		}
		e.gen = s.gen
		e.quiet = now.Sub(d.Seen()) > StaleAfter && !blind
		seen := seenOf(d, now)
		if !e.seen.IsZero() && seen.After(e.seen) {
			moved++
		}
		if !s.chg.listSent.IsZero() && e.newest.After(seen.Add(2*time.Second)) && e.newest.Before(s.chg.listSent.Add(-time.Second)) && !e.newest.Equal(e.behindOf) {
			// counted once a message: a device whose clock runs a little
			// ahead of the server's is behind on every list until it
			// reports again
			behind++
			e.behindOf = e.newest
		}
		e.seen = seen
		if s.detecting() && e.answered && !e.inflight {
			s.heap.reschedule(e, s.changeDue(e, now))
		}
		kept++
	}
	if len(s.byID) > kept { // some left the account, lost their plan or went unseen
		for id, e := range s.byID {
			if e.gen != s.gen {
				s.heap.remove(e)
				delete(s.byID, id)
				if !e.answered {
					s.unanswered--
				}
			}
		}
	}
	s.limits = api.LimitsForHosted(hosted)
	s.noteList(carries, readable, moved, behind, now)
	s.lookUpVisible()
}

// Limits are the account limits in use.
func (s *Scheduler) Limits() api.Limits { return s.limits }

// SetPaused stops or resumes scheduled reads; user actions still go.
func (s *Scheduler) SetPaused(p bool) { s.paused = p }

// Paused reports whether live refresh is paused.
func (s *Scheduler) Paused() bool { return s.paused }

// CanRead reports whether the device's plan allows reading its data and
// it has been seen: anything else would cost a request for nothing.
func (s *Scheduler) CanRead(id string) bool { return s.byID[id] != nil }

// Ask queues a read the user asked for; it goes before anything else, a
// device held by its own failure included. A data read the device's plan
// forbids, or one its monthly limit refuses, is not queued (false): Hold
// says why; nor is a second listing in one backoff after a listing that
// stopped early (Stopped says until when).
func (s *Scheduler) Ask(kind Kind, id string) bool {
	if kind == KindList {
		if !s.listAskable() {
			return false
		}
		id = ""
	} else if e := s.byID[id]; e == nil || e.monthly && e.held(s.now) {
		return false
	}
	for _, q := range s.user {
		if q.Kind == kind && q.DeviceID == id {
			return true
		}
	}
	s.user = append(s.user, Request{Kind: kind, DeviceID: id, User: true})
	return true
}

func (s *Scheduler) listDue(r float64) time.Time {
	if s.list.last.IsZero() {
		return later(later(time.Time{}, s.list.hold), s.list.stopped.until)
	}
	return later(later(s.list.last.Add(s.listEvery(r)), s.list.hold), s.list.stopped.until)
}

// Next returns the read to make now, or how long until one is due (zero
// when none will be until an answer or a user action).
func (s *Scheduler) Next(now time.Time) (Request, bool, time.Duration) {
	s.tick(now)
	switch {
	case s.authWhy != "":
		return Request{}, false, 0
	case len(s.flights) >= MaxInFlight:
		return Request{}, false, s.flights[0].at.Add(lostAfter).Sub(now)
	case s.out.active:
		return s.probe(now)
	}
	settled, rate, burst, fast := s.refill(now)
	if req, ok := s.popUser(); ok {
		s.tokens = math.Max(-burst, s.tokens-1)
		return s.start(req, now, false), true, 0
	}
	if s.paused {
		return Request{}, false, 0
	}
	if rate <= 0 {
		if s.firstList(now) {
			// The day's quota as known is spent, but what is known is a
			// guess until the account's devices are listed: one listing a
			// session learns the real limits, at most its own budget.
			s.tokens = math.Max(-burst, s.tokens-1)
			return s.start(Request{Kind: KindList}, now, false), true, 0
		}
		return Request{}, false, api.NextReset(now).Sub(now)
	}
	req, ok, at := s.due(now, settled)
	if !ok {
		return Request{}, false, waitUntil(at, now)
	}
	need := 1.0
	if !fast {
		need = s.need(req, burst)
	}
	if s.tokens < need {
		wait := max(time.Millisecond, time.Duration((need-s.tokens)/rate*float64(time.Second)))
		if at := s.focusDueNext(settled, now); need > 1 && !at.IsZero() && at.Sub(now) < wait {
			wait = max(time.Millisecond, at.Sub(now)) // a focused device due sooner needs but one
		}
		return Request{}, false, wait
	}
	s.tokens--
	if fast {
		s.firstSpent++
	}
	return s.start(req, now, false), true, 0
}

// focusDueNext is when the next focused device is due (zero if none).
func (s *Scheduler) focusDueNext(r float64, now time.Time) time.Time {
	var next time.Time
	for _, f := range s.focuses {
		if e := s.byID[f.id]; e != nil && !e.inflight {
			if at := s.focusDue(f, e, r, now); next.IsZero() || at.Before(next) {
				next = at
			}
		}
	}
	return next
}

// need is how many tokens a read waits for. The list and the fleet are
// planned on the whole budget, so a focused device due would find none
// left: each class leaves a token for each class above it that is there
// (the focus, then the screen), and the fleet spends what they leave.
func (s *Scheduler) need(r Request, burst float64) float64 {
	if r.Kind == KindData && s.focusOf(r.DeviceID) != nil {
		return 1
	}
	above := 0.0
	if len(s.focuses) > 0 {
		above++
	}
	if e := s.byID[r.DeviceID]; r.Kind == KindData && e != nil && e.screen == s.screenGen {
		return min(burst, 1+above) // on screen
	}
	if len(s.onScreen) > 0 {
		above++
	}
	return min(burst, 1+above)
}

func waitUntil(at, now time.Time) time.Duration {
	if at.IsZero() {
		return 0
	}
	return max(time.Millisecond, at.Sub(now))
}

// probe lets one request through an outage once its backoff is over: what
// the user asked for, else the focused device, else the list, else the
// most overdue device. Paused, only the user's reads probe.
func (s *Scheduler) probe(now time.Time) (Request, bool, time.Duration) {
	if now.Before(s.out.until) {
		return Request{}, false, s.out.until.Sub(now)
	}
	if s.out.probing {
		return Request{}, false, 0
	}
	req, ok := s.popUser()
	if !ok && !s.paused {
		switch e, top := s.probeFocus(), s.heap.top(); {
		case e != nil:
			req, ok = Request{Kind: KindData, DeviceID: e.id}, true
		case !s.list.inflight && !s.list.stopped.until.After(now):
			req, ok = Request{Kind: KindList}, true
		case top != nil && !top.inflight:
			req, ok = Request{Kind: KindData, DeviceID: top.id}, true
		}
	}
	if !ok {
		return Request{}, false, 0
	}
	return s.start(req, now, true), true, 0
}

// probeFocus is the first focused device a probe may read, nil if none.
func (s *Scheduler) probeFocus() *entry {
	for _, f := range s.focuses {
		if e := s.byID[f.id]; e != nil && !e.inflight && !e.monthly {
			return e
		}
	}
	return nil
}

// popUser takes the first user read whose target is not already out.
func (s *Scheduler) popUser() (Request, bool) {
	for i, q := range s.user {
		if q.Kind == KindList {
			if !s.listAskable() {
				// asked while the listing that spent the user's one went
				s.user = slices.Delete(s.user, i, i+1)
				return s.popUser()
			}
			if s.list.inflight {
				continue
			}
		} else if e := s.byID[q.DeviceID]; e == nil {
			s.user = slices.Delete(s.user, i, i+1)
			return s.popUser() // the device has left the list
		} else if e.inflight {
			continue
		}
		s.user = slices.Delete(s.user, i, i+1)
		return q, true
	}
	return Request{}, false
}

// due finds the most urgent read due at now, or when the next one will be
// (the zero time when none will be); r is the budget's rate.
func (s *Scheduler) due(now time.Time, r float64) (Request, bool, time.Time) {
	soonest := time.Time{}
	consider := func(t time.Time) {
		if soonest.IsZero() || t.Before(soonest) {
			soonest = t
		}
	}
	if !s.list.inflight {
		if at := s.listDue(r); at.After(now) {
			consider(at)
		} else {
			return Request{Kind: KindList}, true, now
		}
	}
	var best *entry
	var bestAt time.Time
	for _, f := range s.focuses { // the most overdue first
		e := s.byID[f.id]
		if e == nil || e.inflight {
			continue
		}
		if at := s.focusDue(f, e, r, now); at.After(now) {
			consider(at)
		} else if best == nil || at.Before(bestAt) {
			best, bestAt = e, at
		}
	}
	if best != nil {
		return Request{Kind: KindData, DeviceID: best.id}, true, now
	}
	vis := s.visibleEvery(r)
	for _, e := range s.onScreen {
		if e.inflight || s.focusOf(e.id) != nil {
			continue
		}
		var at time.Time
		switch {
		case s.detecting() && e.answered:
			if !e.changed() {
				continue // nothing moved: nothing to read
			}
			at = s.changeDueAt(e, quietly(e, vis))
		case !e.last.IsZero():
			at = e.last.Add(quietly(e, vis))
		}
		at = later(at, e.hold)
		if e.answered {
			// a device scrolled past is not read again: it must stay on
			// screen (one never read is read anyway, once)
			shown := e.shown
			if shown.IsZero() {
				shown = now
			}
			at = later(at, shown.Add(ScreenDwell))
		}
		if at.After(now) {
			consider(at)
		} else if best == nil || at.Before(bestAt) {
			best, bestAt = e, at
		}
	}
	if best != nil {
		return Request{Kind: KindData, DeviceID: best.id}, true, now
	}
	if top := s.heap.top(); top != nil {
		if top.due.After(now) {
			consider(top.due)
		} else {
			return Request{Kind: KindData, DeviceID: top.id}, true, now
		}
	}
	return Request{}, false, soonest
}

// requestIDs numbers requests across schedulers, so that an answer to a
// request of the scheduler a console had before a new key is never taken
// for one of the new scheduler's.
var requestIDs atomic.Int64

// start sends a request on its way.
func (s *Scheduler) start(r Request, now time.Time, probe bool) Request {
	s.nextID = int(requestIDs.Add(1))
	r.ID = s.nextID
	s.flights = append(s.flights, flight{req: r, at: now, probe: probe})
	if probe {
		s.out.probing = true
	}
	if r.Kind == KindList {
		s.list.inflight = true
		return r
	}
	if e := s.byID[r.DeviceID]; e != nil {
		e.sentSeen, e.chase = e.seen, e.answered && e.changed()
		e.inflight = true
		s.heap.reschedule(e, now.Add(lostAfter)) // out of the way until its answer
	}
	if f := s.focusOf(r.DeviceID); f != nil {
		f.now, f.readOnce = false, true
	}
	return r
}

// Done records the outcome of a request: err is what the api returned.
func (s *Scheduler) Done(r Request, now time.Time, err error) {
	s.tick(now)
	i := slices.IndexFunc(s.flights, func(f flight) bool { return f.req.ID == r.ID })
	if i < 0 {
		return // given up for lost, or never issued
	}
	f := s.flights[i]
	s.flights = slices.Delete(s.flights, i, i+1)
	e := s.land(f, now)
	switch kind := api.Classify(err); kind {
	case api.FailNone:
		s.live = true
		if r.Kind == KindList {
			s.chg.listSent = f.at
		}
		s.reached(f)
		s.serverAnswered()
		s.read(r, e, now)
	case api.FailDevice, api.FailRequest, api.FailAnswer:
		if answeredByServer(err) {
			s.reached(f)
			s.serverAnswered()
		}
		if r.Kind == KindList {
			s.holdList(err, now)
		} else if e != nil {
			s.holdDevice(e, err, now)
		}
	case api.FailServer:
		if s.serverFailed(f, e, err, now) {
			s.fleetFailed(f, kind, err, now)
		}
	case api.FailNetwork, api.FailRateLimit:
		s.fleetFailed(f, kind, err, now)
	case api.FailAuth:
		s.heard = true
		s.authWhy = "the server refused the key (401/403)"
	}
	s.noteShown(now)
}

// read applies a successful read.
func (s *Scheduler) read(r Request, e *entry, now time.Time) {
	if r.Kind == KindList {
		s.list = target{last: now}
		return
	}
	if e == nil {
		return
	}
	first := !e.answered
	e.last, e.hold, e.holdWhy, e.holdN, e.monthly, e.holdServer = now, time.Time{}, "", 0, false, false
	s.markAnswered(e)
	// what was listed when the read was sent is in its answer
	e.covered = later(e.covered, e.sentSeen)
	if s.detecting() {
		s.heap.reschedule(e, s.changeDue(e, now))
		return
	}
	s.heap.reschedule(e, s.nextBackground(e, first, now))
}

func (s *Scheduler) markAnswered(e *entry) {
	if !e.answered {
		e.answered = true
		s.unanswered--
	}
}
