package state

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type dayResult struct {
	requests, rateLimited, budget int
	focusReads, focusExpected     int
	medianAge, medianLag          time.Duration
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}

// simulateDay runs the scheduler for one UTC day on a fake clock against
// the simulator over loopback HTTP, the way the console drives it: the
// focused device changes every 3 minutes, 20 devices are on screen.
func simulateDay(t *testing.T, hosted int) dayResult {
	start := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: start}
	s := sim.New(sim.Options{Devices: hosted, HostedFraction: 1, Key: "day-key", Now: clock.Now})
	srv := httptest.NewServer(s)
	defer srv.Close()
	ledger, _ := NewLedger("", "", start, nil)
	c, err := api.New(api.Options{BaseURL: srv.URL, Key: "day-key", Now: clock.Now,
		Wait: func(_ context.Context, d time.Duration) error { clock.Advance(d); return nil },
		Observe: func(call api.Call) {
			if call.Status == 429 {
				t.Logf("429 at %s: %v", call.At.Format(time.TimeOnly), call.Err)
			}
			ledger.Observe(call)
		}, Sent: ledger.Sent})
	if err != nil {
		t.Fatal(err)
	}
	sched := NewScheduler(ledger, 0.5)
	fleet := NewFleet()
	devices := s.Devices()
	var visible []string
	for i := 0; i < len(devices) && i < 20; i++ {
		visible = append(visible, devices[i].DeviceID)
	}
	sched.SetVisible(visible)

	var res dayResult
	// age: how old the focused device's data on screen is; lag: how far it
	// is behind the newest report the device has made (the part the
	// console's polling adds to the device's own reporting interval).
	var ages, lags []time.Duration
	focus, nextFocus, nextSample := "", start, start.Add(time.Minute)
	end := start.Add(24 * time.Hour)
	for k := 0; clock.Now().Before(end); {
		now := clock.Now()
		if !now.Before(nextFocus) {
			focus = devices[k%len(devices)].DeviceID
			k++
			sched.SetFocus(focus, false)
			fleet.Track(focus)
			nextFocus = nextFocus.Add(3 * time.Minute)
		}
		for !nextSample.After(now) {
			if d := fleet.Get(focus); d != nil && d.Latest != nil {
				ages = append(ages, nextSample.Sub(d.Latest.Time()))
				for _, sd := range s.Devices() {
					if sd.DeviceID == focus {
						lags = append(lags, max(0, sd.Seen().Sub(d.Latest.Time().Truncate(time.Second))))
					}
				}
			}
			nextSample = nextSample.Add(time.Minute)
		}
		req, ok, wait := sched.Next(now)
		if !ok {
			step := min(nextFocus.Sub(now), nextSample.Sub(now))
			if wait > 0 {
				step = min(step, wait)
			}
			clock.Advance(max(step, time.Millisecond))
			continue
		}
		var err error
		switch req.Kind {
		case KindList:
			var list []api.Device
			if list, err = c.ListDevices(context.Background()); err == nil {
				fleet.SetDevices(list, clock.Now())
				sched.SetDevices(list, clock.Now())
				if res.focusExpected == 0 {
					res.focusExpected = int(24 * time.Hour / sched.FocusInterval(clock.Now()))
				}
			}
		case KindData:
			var page *api.DataPage
			if page, err = c.GetData(context.Background(), req.DeviceID, api.DataQuery{Limit: 1}); err == nil {
				fleet.SetData(req.DeviceID, page, clock.Now())
			}
			if req.DeviceID == focus {
				res.focusReads++
			}
		}
		sched.Done(req, clock.Now(), err)
	}
	st := s.Stats()
	res.requests, res.rateLimited = st.Requests, st.RateLimited
	res.budget = int(float64(s.Limits().Daily) * 0.5)
	res.medianAge, res.medianLag = median(ages), median(lags)
	return res
}

func TestSimulatedDayStaysWithinQuota(t *testing.T) {
	t.Parallel()
	for _, hosted := range []int{1, 10, 100} {
		t.Run(fmt.Sprintf("hosted=%d", hosted), func(t *testing.T) {
			t.Parallel()
			r := simulateDay(t, hosted)
			t.Logf("hosted=%d requests=%d budget=%d 429s=%d focused reads=%d (expected ~%d) median focused data age=%s, behind the device's newest report by %s",
				hosted, r.requests, r.budget, r.rateLimited, r.focusReads, r.focusExpected, r.medianAge, r.medianLag)
			if r.rateLimited != 0 {
				t.Errorf("the simulator answered %d 429s", r.rateLimited)
			}
			if r.requests > r.budget {
				t.Errorf("%d requests in the day, over the share of the quota (%d)", r.requests, r.budget)
			}
			if r.focusReads < r.focusExpected*8/10 {
				t.Errorf("the focused device was read %d times, want about %d: the budget goes unused", r.focusReads, r.focusExpected)
			}
		})
	}
}
