package api_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
)

const testKey = "k3y-for-tests-0123456789"

// clock is a fake clock the simulator reads.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// waits records the client's backoff sleeps instead of sleeping.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) wait(_ context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return nil
}

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

type fixture struct {
	sim    *sim.Server
	srv    *httptest.Server
	client *api.Client
	clock  *clock
	waits  *waits
}

// newFixture serves a simulator over real loopback HTTP and points a client at it.
func newFixture(t *testing.T, so sim.Options, co api.Options) *fixture {
	t.Helper()
	f := &fixture{clock: newClock(), waits: &waits{}}
	if so.Key == "" {
		so.Key = testKey
	}
	if so.Now == nil {
		so.Now = f.clock.Now
	}
	f.sim = sim.New(so)
	f.srv = httptest.NewServer(f.sim)
	t.Cleanup(f.srv.Close)
	if co.BaseURL == "" {
		co.BaseURL = f.srv.URL
	}
	if co.Key == "" {
		co.Key = so.Key
	}
	if co.Wait == nil {
		co.Wait = f.waits.wait
	}
	if co.Now == nil {
		co.Now = f.clock.Now // the client's holds and limiter run on the simulator's time
	}
	if co.RatePerSecond == 0 {
		co.RatePerSecond = 1e6 // the fake clock, not the wall clock, paces the simulator
	}
	c, err := api.New(co)
	if err != nil {
		t.Fatal(err)
	}
	f.client = c
	return f
}

// deviceWith finds a device of the simulated fleet by plan and reporting state.
func (f *fixture) deviceWith(t *testing.T, plan string, reporting bool) api.Device {
	t.Helper()
	for _, d := range f.sim.Devices() {
		if d.Plan != plan {
			continue
		}
		seen := d.Seen()
		live := !seen.IsZero() && f.clock.Now().Sub(seen) < 15*time.Minute
		if live == reporting {
			return d
		}
	}
	t.Fatalf("no %s device with reporting=%v in the simulated fleet", plan, reporting)
	return api.Device{}
}
