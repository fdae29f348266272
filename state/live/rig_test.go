package live

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
	"sqc/state"
)

var start = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// fakeClock is the time the engine, its client and the simulator tell;
// the test moves it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type rig struct {
	t     *testing.T
	clock *fakeClock
	sim   *sim.Server
	srv   *httptest.Server
	e     *Engine
}

// newRig starts an engine against the simulator over loopback, on a fake
// clock. hold, when set, sees every request before the simulator.
func newRig(t *testing.T, devices int, hold func(*http.Request)) *rig {
	t.Helper()
	clock := &fakeClock{t: start}
	s := sim.New(sim.Options{Devices: devices, Key: "live-key", HostedFraction: 1, Now: clock.Now})
	var h http.Handler = s
	if hold != nil {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hold(r); s.ServeHTTP(w, r) })
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	r := &rig{t: t, clock: clock, sim: s, srv: srv}
	r.e = r.engine()
	return r
}

func (r *rig) engine() *Engine {
	r.t.Helper()
	ledger, _ := state.NewLedger("", "", start, nil)
	o := api.Options{BaseURL: r.srv.URL, Key: "live-key",
		Wait: func(context.Context, time.Duration) error { return nil }} // the scheduler paces
	Hooks(ledger, state.NewCallLog(), r.clock.Now)(&o)
	c, err := api.New(o)
	if err != nil {
		r.t.Fatal(err)
	}
	e, err := New(Config{Client: c, Ledger: ledger, Now: r.clock.Now, Gate: &state.Gate{Now: r.clock.Now}, Spark: 10})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { e.Close() })
	return e
}

// pass has the loop ask the scheduler at the clock's time, and waits
// until every read it issued is answered and folded.
func (r *rig) pass() {
	r.t.Helper()
	done := make(chan struct{})
	r.e.sync <- done
	<-done
	deadline := time.Now().Add(10 * time.Second)
	for r.e.busy.Load() != 0 {
		if time.Now().After(deadline) {
			r.t.Fatalf("reads still out after 10 s: %d", r.e.busy.Load())
		}
		time.Sleep(time.Millisecond)
	}
}

// run moves the clock by step until d has passed, a pass at each step.
func (r *rig) run(d, step time.Duration, each func()) {
	end := r.clock.Now().Add(d)
	for r.clock.Now().Before(end) {
		r.clock.add(step)
		r.pass()
		if each != nil {
			each()
		}
	}
}

// firstPass runs until every device has answered once.
func (r *rig) firstPass() {
	r.t.Helper()
	for range 1200 {
		r.clock.add(100 * time.Millisecond)
		r.pass()
		done := false
		r.e.Read(func(rd Reader) { _, _, done = rd.Sched.Progress() })
		if done {
			return
		}
	}
	r.t.Fatal("the first pass never ended")
}

// readsOf counts the simulator's data reads of a device in [from, to).
func (r *rig) readsOf(id string, from, to time.Time) int {
	n := 0
	for _, q := range r.sim.Requests() {
		if q.Op == api.OpGetData && q.DeviceID == id && !q.At.Before(from) && q.At.Before(to) {
			n++
		}
	}
	return n
}

// eventually polls until ok, failing after a deadline.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// lively is the n-th device (from 0) the engine has heard from lately: a
// quiet one is read only once a minute, focused or not.
func (r *rig) lively(n int) string {
	r.t.Helper()
	id := ""
	r.e.Read(func(rd Reader) {
		for _, d := range rd.Fleet.All() {
			if !quiet(d, r.clock.Now()) && rd.Sched.CanRead(d.DeviceID) {
				if n == 0 {
					id = d.DeviceID
					return
				}
				n--
			}
		}
	})
	if id == "" {
		r.t.Fatal("not enough lively devices in the simulator")
	}
	return id
}
