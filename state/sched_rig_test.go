package state

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
)

// simClock is a fake clock goroutines can sleep on. The rig moves it only
// when every goroutine it started is asleep on it or done, so a request
// reaches the simulator at the fake time it was sent.
type simClock struct {
	mu       sync.Mutex
	cond     *sync.Cond
	t        time.Time
	busy     int
	sleepers []*sleeper
}

type sleeper struct {
	at   time.Time
	wake chan struct{}
}

func newSimClock(t time.Time) *simClock {
	c := &simClock{t: t}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *simClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Sleep is api.Options.Wait: the client's limiter sleeps on the fake clock.
func (c *simClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	s := &sleeper{at: c.t.Add(d), wake: make(chan struct{})}
	c.sleepers = append(c.sleepers, s)
	c.busy--
	c.cond.Broadcast()
	c.mu.Unlock()
	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *simClock) run(f func()) {
	c.mu.Lock()
	c.busy++
	c.mu.Unlock()
	go func() {
		defer func() {
			c.mu.Lock()
			c.busy--
			c.cond.Broadcast()
			c.mu.Unlock()
		}()
		f()
	}()
}

// quiesce waits until every goroutine is asleep on the clock or done.
func (c *simClock) quiesce() {
	c.mu.Lock()
	for c.busy > 0 {
		c.cond.Wait()
	}
	c.mu.Unlock()
}

func (c *simClock) nextWake() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var at time.Time
	for _, s := range c.sleepers {
		if at.IsZero() || s.at.Before(at) {
			at = s.at
		}
	}
	return at, !at.IsZero()
}

func (c *simClock) advanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.t) {
		c.t = t
	}
	kept := c.sleepers[:0]
	for _, s := range c.sleepers {
		if s.at.After(c.t) {
			kept = append(kept, s)
			continue
		}
		c.busy++
		close(s.wake)
	}
	c.sleepers = kept
}

// gate stands in front of the simulator and plays the network: the server
// can be down (connections dropped), answer every call with 500, or answer
// one device's reads with its monthly 429.
type gate struct {
	h       http.Handler
	mode    atomic.Int32
	monthly sync.Map // device ID → true

	mu       sync.Mutex
	failRate float64 // of calls answered 500 or 503 at random
	rng      *rand.Rand
}

// flaky makes the server fail a share of its calls at random: 503 with
// Retry-After 2 or 500, as the simulator's FailRate does.
func (g *gate) flaky(rate float64) {
	g.mu.Lock()
	g.failRate, g.rng = rate, rand.New(rand.NewPCG(7, 7))
	g.mu.Unlock()
}

func (g *gate) fail() (int, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failRate == 0 || g.rng.Float64() >= g.failRate {
		return 0, false
	}
	if g.rng.IntN(2) == 0 {
		return http.StatusServiceUnavailable, true
	}
	return http.StatusInternalServerError, true
}

const (
	gateUp = iota
	gateDown
	gate500
)

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch g.mode.Load() {
	case gateDown:
		panic(http.ErrAbortHandler) // the connection drops with no answer
	case gate500:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"message":"Internal Server Error"}`))
		return
	}
	if status, ok := g.fail(); ok {
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "2")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"message":"` + http.StatusText(status) + `"}`))
		return
	}
	if parts := strings.Split(r.URL.Path, "/"); len(parts) == 4 && parts[3] == "data" {
		if _, ok := g.monthly.Load(parts[2]); ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"message":"Monthly API request limit reached for device ` + parts[2] + `","apiRequestsRemaining":0}`))
			return
		}
	}
	g.h.ServeHTTP(w, r)
}

// rig drives a Scheduler the way the console does, against the simulator
// over loopback HTTP on a fake clock: Next until it says no, each request
// in its own goroutine, Done when the console has folded the answer. A
// slow console (fold > 0) folds one answer per fold of fake time.
type rig struct {
	t      *testing.T
	clock  *simClock
	sim    *sim.Server
	gate   *gate
	client *api.Client
	ledger *Ledger
	sched  *Scheduler
	fold   time.Duration
	// latency is how long each answer takes to come back, in fake time.
	latency time.Duration
	// step bounds how far the clock moves at once, so that a state change
	// with no request behind it is recorded on time (0: unbounded).
	step time.Duration
	// listed may change what a device list says before the scheduler hears it.
	listed func([]api.Device) []api.Device

	results  chan answer
	pending  []answer
	lastFold time.Time
	issuedAt map[int]time.Time

	reads  []readAt // successful data reads, in the order folded
	newest map[string]time.Time
	issues []Request
	conns  []connAt // the connection state each time it changed
}

type answer struct {
	req     Request
	err     error
	devices []api.Device
	stopped string // why the listing stopped early
	newest  time.Time
	foldAt  time.Time
}

// newestOf is the time of a page's newest message (zero if none).
func newestOf(p *api.DataPage) time.Time {
	var t time.Time
	if p == nil {
		return t
	}
	for i := range p.Data {
		t = later(t, p.Data[i].Time())
	}
	return t
}

type readAt struct {
	id         string
	sent, done time.Time
	news       bool      // it brought a message newer than any read before
	newest     time.Time // its newest message (zero if none)
}

type connAt struct {
	at time.Time
	c  Conn
}

var rigStart = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func newRig(t *testing.T, o sim.Options) *rig {
	t.Helper()
	clock := newSimClock(rigStart)
	o.Key, o.Now = "rig-key", clock.Now
	s := sim.New(o)
	r := newRigOn(t, clock, s)
	r.sim = s
	return r
}

// newRigOn drives the scheduler against another server (a hostile one),
// which accepts the key "rig-key"; r.sim is nil.
func newRigOn(t *testing.T, clock *simClock, h http.Handler) *rig {
	t.Helper()
	r := &rig{t: t, clock: clock, results: make(chan answer, 64), issuedAt: map[int]time.Time{}}
	r.gate = &gate{h: h}
	srv := httptest.NewServer(r.gate)
	t.Cleanup(srv.Close)
	r.ledger, _ = NewLedger("", "", rigStart, nil)
	c, err := api.New(api.Options{BaseURL: srv.URL, Key: "rig-key", MaxRetries: -1,
		Now: r.clock.Now, Wait: r.clock.Sleep, Sent: r.ledger.Sent, Observe: r.ledger.Observe})
	if err != nil {
		t.Fatal(err)
	}
	r.client = c
	r.sched = NewScheduler(r.ledger, 0.5)
	r.note()
	return r
}

// cached starts the scheduler on the simulator's list as a cache would
// give it, without a request.
func (r *rig) cached() {
	r.setDevices(r.sim.Devices())
}

func (r *rig) setDevices(list []api.Device) {
	if r.listed != nil {
		list = r.listed(list)
	}
	r.sched.SetDevices(list, r.clock.Now())
	r.client.SetRate(r.sched.Limits().RatePerSecond)
}

func (r *rig) launch(req Request) {
	r.issues = append(r.issues, req)
	r.issuedAt[req.ID] = r.clock.Now()
	// as the console reads: only what is newer than the newest known
	q := api.DataQuery{Limit: 1}
	if n := r.sched.Newest(req.DeviceID); !n.IsZero() {
		q.Start = n.Truncate(time.Second).Add(time.Second)
	}
	r.clock.run(func() {
		a := answer{req: req}
		if req.Kind == KindList {
			var rep *api.ListReport
			rep, a.err = r.client.ListDevicesReport(context.Background())
			a.devices, a.stopped = rep.Devices, rep.Stopped
		} else {
			var page *api.DataPage
			page, a.err = r.client.GetData(context.Background(), req.DeviceID, q)
			a.newest = newestOf(page)
		}
		r.results <- a
	})
}

// collect takes the answers back from the client, in the order they were
// asked for, and queues them for folding.
func (r *rig) collect() {
	var got []answer
	for {
		select {
		case a := <-r.results:
			got = append(got, a)
			continue
		default:
		}
		break
	}
	slices.SortFunc(got, func(a, b answer) int { return a.req.ID - b.req.ID })
	now := r.clock.Now()
	for _, a := range got {
		a.foldAt = later(later(now, r.issuedAt[a.req.ID].Add(r.latency)), r.lastFold.Add(r.fold))
		r.lastFold = a.foldAt
		r.pending = append(r.pending, a)
	}
}

func (r *rig) foldOne(now time.Time) {
	a := r.pending[0]
	r.pending = r.pending[1:]
	r.sched.Done(a.req, now, a.err)
	if a.stopped != "" { // as the console folds a listing that stopped early
		r.sched.ListStopped(a.req, a.devices, now, a.stopped)
		r.client.SetRate(r.sched.Limits().RatePerSecond)
	} else if a.err == nil {
		if a.req.Kind == KindList {
			r.setDevices(a.devices)
		} else {
			r.sched.Got(a.req.DeviceID, a.newest, 0, now)
			r.reads = append(r.reads, readAt{id: a.req.DeviceID, sent: r.issuedAt[a.req.ID], done: now, news: a.newest.After(r.newest[a.req.DeviceID]), newest: a.newest})
			if a.newest.After(r.newest[a.req.DeviceID]) {
				if r.newest == nil {
					r.newest = map[string]time.Time{}
				}
				r.newest[a.req.DeviceID] = a.newest
			}
		}
	}
	delete(r.issuedAt, a.req.ID)
}

// note records the connection state when it changes.
func (r *rig) note() {
	now := r.clock.Now()
	c := r.sched.Conn(now)
	if n := len(r.conns); n == 0 || r.conns[n-1].c.State != c.State || !r.conns[n-1].c.Until.Equal(c.Until) {
		r.conns = append(r.conns, connAt{at: now, c: c})
	}
}

// runUntil plays the console until the fake clock reaches end.
func (r *rig) runUntil(end time.Time) {
	r.t.Helper()
	for {
		now := r.clock.Now()
		var wait time.Duration
		for {
			req, ok, w := r.sched.Next(now)
			if !ok {
				wait = w
				break
			}
			r.launch(req)
		}
		r.note()
		r.clock.quiesce()
		r.collect()
		folded := false
		for len(r.pending) > 0 && !r.pending[0].foldAt.After(now) {
			r.foldOne(now)
			folded = true
		}
		if folded {
			r.note()
			continue
		}
		if !now.Before(end) {
			return
		}
		next := end
		if wait > 0 && now.Add(wait).Before(next) {
			next = now.Add(wait)
		}
		if len(r.pending) > 0 && r.pending[0].foldAt.Before(next) {
			next = r.pending[0].foldAt
		}
		if at, ok := r.clock.nextWake(); ok && at.Before(next) {
			next = at
		}
		if r.step > 0 && now.Add(r.step).Before(next) {
			next = now.Add(r.step)
		}
		r.clock.advanceTo(later(next, now.Add(time.Millisecond)))
	}
}

func (r *rig) run(d time.Duration) { r.runUntil(r.clock.Now().Add(d)) }

// readsOf are the successful reads of a device folded in (from, to].
func (r *rig) readsOf(id string, from, to time.Time) []readAt {
	var out []readAt
	for _, rd := range r.reads {
		if rd.id == id && rd.done.After(from) && !rd.done.After(to) {
			out = append(out, rd)
		}
	}
	return out
}

// stateAt is the connection state recorded last at or before t.
func (r *rig) stateAt(t time.Time) Conn {
	var c Conn
	for _, ca := range r.conns {
		if ca.at.After(t) {
			break
		}
		c = ca.c
	}
	return c
}

// firstState is when the state first became s after from (zero if never).
func (r *rig) firstState(s ConnState, from time.Time) time.Time {
	for _, ca := range r.conns {
		if !ca.at.Before(from) && ca.c.State == s {
			return ca.at
		}
	}
	return time.Time{}
}
