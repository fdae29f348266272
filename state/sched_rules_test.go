package state

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"sqc/api"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func hostedFleet(n int, seen time.Time) []api.Device {
	out := make([]api.Device, n)
	for i := range out {
		out[i] = dev(fmt.Sprintf("DEV%06d", i), "x", "g", "m", "Hosted", seen)
	}
	return out
}

func newSched(n int) (*Scheduler, *Ledger) {
	l, _ := NewLedger("", "", t0, nil)
	s := NewScheduler(l, 0.5)
	s.SetDevices(hostedFleet(n, t0), t0)
	return s, l
}

// drain takes every read Next gives at now.
func drain(s *Scheduler, now time.Time) []Request {
	var out []Request
	for {
		r, ok, _ := s.Next(now)
		if !ok {
			return out
		}
		out = append(out, r)
	}
}

var (
	errNet    = &api.Error{Op: api.OpGetData, Err: errors.New("connection refused")}
	err503    = &api.Error{Op: api.OpGetData, Status: 503}
	err404    = &api.Error{Op: api.OpGetData, DeviceID: "DEV000001", Status: 404}
	errAuth   = &api.Error{Op: api.OpListDevices, Status: 401}
	errCancel = &api.Error{Op: api.OpGetData, Err: context.Canceled}
)

func err429(ra time.Duration) error {
	return &api.Error{Op: api.OpGetData, Status: 429, RetryAfter: ra}
}

func TestConnStateFollowsAnswersOnly(t *testing.T) {
	t.Parallel()
	s, _ := newSched(20)
	now := t0
	if c := s.Conn(now); c.State != ConnConnecting || c.Live {
		t.Fatalf("a cached list, nothing answered: %+v", c)
	}
	reqs := drain(s, now)
	if len(reqs) == 0 || s.Conn(now).State != ConnConnecting {
		t.Fatal("sending requests changed the state")
	}
	s.Done(reqs[0], now, errNet)
	if c := s.Conn(now); c.State != ConnOffline || c.Live || c.Until != now.Add(BackoffStart) {
		t.Fatalf("after a network failure: %+v", c)
	}
	for _, r := range reqs[1:] {
		s.Done(r, now, nil) // sent before the outage began: proves nothing about now
	}
	if c := s.Conn(now); c.State != ConnOffline {
		t.Fatalf("answers to requests sent before the failure ended the outage: %+v", c)
	}
	now = now.Add(BackoffStart)
	probe, ok, _ := s.Next(now)
	if !ok {
		t.Fatal("no try after the backoff")
	}
	if _, ok, _ := s.Next(now); ok {
		t.Fatal("two tries at once during an outage")
	}
	s.Done(probe, now, err503)
	if c := s.Conn(now); c.State != ConnServerError || c.Until != now.Add(2*BackoffStart) {
		t.Fatalf("after a 503: %+v", c)
	}
	now = now.Add(2 * BackoffStart)
	probe, _, _ = s.Next(now)
	s.Done(probe, now, nil)
	if c := s.Conn(now); c.State != ConnOnline || !c.Live {
		t.Fatalf("after a success: %+v", c)
	}
	// A state is shown a second at least: a failure right after shows
	// when the second is up.
	a, _, _ := s.Next(now)
	s.Done(a, now.Add(300*time.Millisecond), errNet)
	if c := s.Conn(now.Add(300 * time.Millisecond)); c.State != ConnOnline {
		t.Fatalf("0.3 s after online: %+v", c)
	}
	if _, ok, _ := s.Next(now.Add(300 * time.Millisecond)); ok {
		t.Fatal("a read went during the outage the header has not shown yet")
	}
	if c := s.Conn(now.Add(time.Second)); c.State != ConnOffline {
		t.Fatalf("a second after online, the outage: %+v", c)
	}
	now = now.Add(time.Second + BackoffStart)
	a, _, _ = s.Next(now)
	s.Done(a, now, nil)
	// A failure of a request sent before the last success is old news.
	a, _, _ = s.Next(now.Add(time.Hour))
	b, _, _ := s.Next(now.Add(time.Hour))
	s.Done(b, now.Add(time.Hour), nil)
	s.Done(a, now.Add(time.Hour), errNet)
	if c := s.Conn(now.Add(time.Hour)); c.State != ConnOnline {
		t.Fatalf("a stale failure flipped the state: %+v", c)
	}
	// A refused key holds everything until a new one.
	c, _, _ := s.Next(now.Add(2 * time.Hour))
	s.Done(c, now.Add(2*time.Hour), errAuth)
	if st := s.Conn(now.Add(2 * time.Hour)); st.State != ConnKeyRefused {
		t.Fatalf("after a 401: %+v", st)
	}
	s.Ask(KindList, "")
	if _, ok, _ := s.Next(now.Add(3 * time.Hour)); ok {
		t.Fatal("a read went with a refused key")
	}
	s.ClearAuth()
	if r, ok, _ := s.Next(now.Add(3 * time.Hour)); !ok || !r.User {
		t.Fatalf("after a new key the user's read did not go first: %+v %v", r, ok)
	}
}

func TestOneBackoffPerOutage(t *testing.T) {
	t.Parallel()
	s, _ := newSched(100)
	now := t0
	reqs := drain(s, now)
	if len(reqs) < 3 {
		t.Fatalf("%d reads at start", len(reqs))
	}
	for _, r := range reqs {
		s.Done(r, now.Add(time.Second), errNet)
	}
	if until, _ := s.Backoff(now); until != now.Add(time.Second+BackoffStart) {
		t.Fatalf("%d failures already out: backoff until +%v, want +%v", len(reqs), until.Sub(now), time.Second+BackoffStart)
	}
	// Each failed try doubles the wait, up to a minute.
	want := []time.Duration{4, 8, 16, 32, 60, 60}
	for _, w := range want {
		until, _ := s.Backoff(now)
		now = until
		r, ok, _ := s.Next(now)
		if !ok {
			t.Fatal("no try at the end of the backoff")
		}
		s.Done(r, now, errNet)
		if got, _ := s.Backoff(now); got.Sub(now) != w*time.Second {
			t.Fatalf("after a failed try: wait %v, want %v s", got.Sub(now), w)
		}
	}
	// r ends it at once, and the focused device is read first.
	s.SetFocus("DEV000042", false)
	if until, why := s.RetryNow(now); !until.IsZero() || why != "" {
		t.Fatalf("r during a network backoff: %v %q", until, why)
	}
	r, ok, _ := s.Next(now)
	if !ok || r.DeviceID != "DEV000042" {
		t.Fatalf("r: %+v %v, want the focused device at once", r, ok)
	}
	s.Done(r, now, nil)
	if c := s.Conn(now); c.State != ConnOnline {
		t.Fatalf("after the try succeeded: %+v", c)
	}
	// A 429 holds every read, the user's too; r cannot cut it short; a
	// Retry-After beyond 15 minutes is capped, and says so.
	now = now.Add(time.Hour)
	r, _, _ = s.Next(now)
	s.Done(r, now, err429(20*time.Minute))
	c := s.Conn(now)
	if c.State != ConnRateLimited || c.Until != now.Add(MaxRetryAfter) || !c.Capped {
		t.Fatalf("after a 429 asking for 20 minutes: %+v", c)
	}
	s.Ask(KindData, "DEV000001")
	if until, why := s.RetryNow(now.Add(time.Minute)); until != c.Until || why == "" {
		t.Fatalf("r during a 429: %v %q", until, why)
	}
	if _, ok, wait := s.Next(now.Add(time.Minute)); ok || wait != MaxRetryAfter-time.Minute {
		t.Fatalf("a read during a 429 hold: ok=%v wait=%v", ok, wait)
	}
	if r, ok, _ := s.Next(now.Add(MaxRetryAfter)); !ok || r.DeviceID != "DEV000001" || !r.User {
		t.Fatalf("after the hold the user's read goes first: %+v", r)
	}
}

// The ledger hears a 429 on the client's goroutine; the scheduler holds
// every read from that moment, before the console folds the answer.
func TestAccount429HeardByTheLedgerHoldsAtOnce(t *testing.T) {
	t.Parallel()
	s, l := newSched(100)
	out := drain(s, t0)
	l.Observe(api.Call{At: t0.Add(100 * time.Millisecond), Status: 429, Err: err429(2 * time.Second)})
	s.Ask(KindList, "")
	if r, ok, _ := s.Next(t0.Add(time.Second)); ok {
		t.Fatalf("%+v went during the 429's Retry-After", r)
	}
	s.Done(out[0], t0.Add(1500*time.Millisecond), err429(2*time.Second)) // folded late
	if until, _ := s.Backoff(t0.Add(time.Second)); until != t0.Add(2100*time.Millisecond) {
		t.Errorf("held until +%v, want the 429's arrival + 2 s", until.Sub(t0))
	}
	// A scheduler made later (a new key, the same ledger) is not held by it.
	later := NewScheduler(l, 0.5)
	later.SetDevices(hostedFleet(10, t0), t0.Add(time.Hour))
	if c := later.Conn(t0.Add(time.Hour)); c.State != ConnConnecting {
		t.Errorf("an hour-old 429 held a new scheduler: %+v", c)
	}
}

func TestDeviceFailuresHoldOnlyThatDevice(t *testing.T) {
	t.Parallel()
	s, _ := newSched(20)
	s.SetVisible([]string{"DEV000001", "DEV000002"})
	now := t0
	var bad Request
	for _, r := range drain(s, now) {
		if r.DeviceID == "DEV000001" {
			bad = r
			s.Done(r, now, err404)
		} else {
			s.Done(r, now, nil)
		}
	}
	if bad.ID == 0 {
		t.Fatal("the device on screen was not read first")
	}
	until, why := s.Hold("DEV000001")
	if until != now.Add(HoldStart) || !strings.Contains(why, "404") {
		t.Fatalf("held until +%v for %q", until.Sub(now), why)
	}
	if c := s.Conn(now); c.State != ConnOnline {
		t.Fatalf("one device's 404: %+v", c)
	}
	// Its own interval grows: 1, 2, 4 … 30 minutes; the rest is read meanwhile.
	others := 0
	for _, want := range []time.Duration{2, 4, 8, 16, 30, 30} {
		for retried := false; !retried; {
			now = now.Add(time.Second)
			for _, r := range drain(s, now) {
				if r.DeviceID != "DEV000001" {
					others++
					s.Done(r, now, nil)
					continue
				}
				if now.Before(until) {
					t.Fatalf("read at +%v, held until +%v", now.Sub(t0), until.Sub(t0))
				}
				s.Done(r, now, err404)
				retried = true
			}
			if now.After(until.Add(time.Minute)) {
				t.Fatalf("not tried again a minute after its hold")
			}
		}
		if until, _ = s.Hold("DEV000001"); until.Sub(now) != want*time.Minute {
			t.Fatalf("next hold %v, want %v min", until.Sub(now), want)
		}
	}
	if others < 20 {
		t.Errorf("%d reads of other devices while one was held", others)
	}
	// The user's read of a held device goes at once, and a success clears it.
	if !s.Ask(KindData, "DEV000001") {
		t.Fatal("a user read of a held device was refused")
	}
	r, ok, _ := s.Next(now)
	if !ok || r.DeviceID != "DEV000001" {
		t.Fatalf("the user's read of a held device: %+v", r)
	}
	s.Done(r, now, nil)
	if until, why := s.Hold("DEV000001"); !until.IsZero() || why != "" {
		t.Fatalf("still held after a success: %v %q", until, why)
	}
	// A cancelled read changes nothing: the device is due again, the state the same.
	s.Ask(KindData, "DEV000002")
	r, _, _ = s.Next(now)
	s.Done(r, now, errCancel)
	if until, _ := s.Hold("DEV000002"); !until.IsZero() || s.Conn(now).State != ConnOnline {
		t.Fatal("a cancelled read held something")
	}
}

func TestFirstPassUsesTheAccountRateThenSettles(t *testing.T) {
	t.Parallel()
	s, _ := newSched(300) // 300 req/s, 300,000 a day: 6,000 for the first pass
	s.SetVisible([]string{"DEV000250", "DEV000251"})
	now := t0
	var order []string
	for read, _, done := s.Progress(); !done; read, _, done = s.Progress() {
		if now.Sub(t0) > time.Minute {
			t.Fatalf("first pass not done after a minute: %d read", read)
		}
		for _, r := range drain(s, now) {
			order = append(order, r.DeviceID)
			s.Done(r, now, nil)
		}
		now = now.Add(10 * time.Millisecond)
	}
	if order[1] != "DEV000250" || order[2] != "DEV000251" {
		t.Errorf("the devices on screen were not read first: %v", order[:4])
	}
	if took := now.Sub(t0); took > 2*time.Second {
		t.Errorf("300 devices at 300 req/s took %v", took)
	}
	if read, total, done := s.Progress(); read != 300 || total != 300 || !done {
		t.Errorf("progress %d/%d %v", read, total, done)
	}
	// Settled: the budget's share, far below the account's rate.
	n := 0
	for end := now.Add(time.Minute); now.Before(end); now = now.Add(100 * time.Millisecond) {
		for _, r := range drain(s, now) {
			n++
			s.Done(r, now, nil)
		}
	}
	if max := int(s.Rate(now)*60) + 4; n > max {
		t.Errorf("%d reads in the minute after the first pass, budget %d", n, max)
	}

	// With the 2% spent before every device answered, the rest waits for the budget.
	l, _ := NewLedger("", "", t0, nil)
	small := NewScheduler(l, 0.5)
	list := hostedFleet(1, t0)
	for i := range 2000 {
		list = append(list, dev(fmt.Sprintf("TRI%06d", i), "x", "g", "m", "Trial", t0))
	}
	small.SetDevices(list, t0) // 1 Hosted: 1 req/s, 1,000 a day, 20 for the first pass
	fast := 0
	for now := t0; now.Before(t0.Add(time.Minute)); now = now.Add(time.Second) {
		for _, r := range drain(small, now) {
			fast++
			small.Done(r, now, nil)
		}
	}
	if fast > 20+2 {
		t.Errorf("%d reads in the first minute: over 2%% of a 1,000 quota", fast)
	}
}

func TestAtMostEightRequestsOut(t *testing.T) {
	t.Parallel()
	s, _ := newSched(1000)
	for _, id := range []string{"DEV000001", "DEV000002", "DEV000003"} {
		s.Ask(KindData, id)
	}
	s.Ask(KindList, "")
	out := append(drain(s, t0), drain(s, t0.Add(time.Second))...)
	if len(out) != MaxInFlight {
		t.Fatalf("%d requests out at once, want %d", len(out), MaxInFlight)
	}
	s.Ask(KindData, "DEV000999")
	if _, ok, _ := s.Next(t0.Add(time.Second)); ok {
		t.Fatal("a user read went beyond the bound")
	}
	s.Done(out[0], t0.Add(time.Second), nil)
	if r, ok, _ := s.Next(t0.Add(time.Second)); !ok || r.DeviceID != "DEV000999" {
		t.Fatalf("after an answer the user's read goes: %+v", r)
	}
}

func TestFocusDwellAndNoRereadOnRefocus(t *testing.T) {
	t.Parallel()
	// A large fleet, so that the background reads each device rarely and
	// any read of the devices below is the focus's doing.
	l, _ := NewLedger("", "", t0, nil)
	s := NewScheduler(l, 0.5)
	list := hostedFleet(300, t0)
	for i := range 5000 {
		list = append(list, dev(fmt.Sprintf("TRI%06d", i), "x", "g", "m", "Trial", t0))
	}
	s.SetDevices(list, t0)
	now := t0
	reads := map[string]int{}
	step := func(d time.Duration) {
		for end := now.Add(d); now.Before(end); now = now.Add(10 * time.Millisecond) {
			for _, r := range drain(s, now) {
				reads[r.DeviceID]++
				s.Done(r, now, nil)
			}
		}
	}
	for _, _, done := s.Progress(); !done; _, _, done = s.Progress() { // the first pass
		step(time.Second)
	}
	step(time.Minute)
	clear(reads)
	s.SetFocus("DEV000010", false)
	step(time.Second)
	// Scroll past 11..18, 50 ms each: none of them is read.
	for i := 11; i < 19; i++ {
		s.SetFocus(fmt.Sprintf("DEV%06d", i), false)
		step(50 * time.Millisecond)
	}
	for i := 11; i < 19; i++ {
		if n := reads[fmt.Sprintf("DEV%06d", i)]; n != 0 {
			t.Errorf("DEV%06d scrolled past in 50 ms was read %d times", i, n)
		}
	}
	s.SetFocus("DEV000019", false)
	at := now
	step(FocusDwell - 20*time.Millisecond)
	if reads["DEV000019"] != 0 {
		t.Error("read before the dwell")
	}
	step(40 * time.Millisecond)
	if reads["DEV000019"] != 1 {
		t.Errorf("resting %v on a device: read %d times", now.Sub(at), reads["DEV000019"])
	}
	// Back to one read 2 s ago: not read again before its focus interval.
	back := now
	s.SetFocus("DEV000010", false)
	step(2 * time.Second)
	s.SetFocus("DEV000019", false)
	step(FocusEvery - 2*time.Second - 100*time.Millisecond)
	if reads["DEV000019"] != 1 {
		t.Errorf("re-focused %v after its read: read again", now.Sub(back))
	}
	// The user's enter goes at once.
	s.SetFocus("DEV000030", false)
	s.Ask(KindData, "DEV000030")
	if r, ok, _ := s.Next(now); !ok || r.DeviceID != "DEV000030" {
		t.Fatalf("enter did not read at once: %+v", r)
	}
}

// After the first pass the fleet is read evenly: no window sees a burst,
// and a fleet too large for RestEvery is read as often as the budget carries.
func TestBackgroundReadsAreSpreadEvenly(t *testing.T) {
	t.Parallel()
	for _, n := range []int{10000, 50000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			l, _ := NewLedger("", "", t0, nil)
			s := NewScheduler(l, 0.5)
			list := hostedFleet(n/10, t0) // a tenth Hosted: the budget, not the minimum, sets the interval
			for i := range n - n/10 {
				list = append(list, dev(fmt.Sprintf("TRI%06d", i), "x", "g", "m", "Trial", t0))
			}
			s.SetDevices(list, t0)
			now := t0
			for ; ; now = now.Add(10 * time.Millisecond) {
				for _, r := range drain(s, now) {
					l.Sent(api.Call{At: now})
					s.Done(r, now, nil)
				}
				if _, _, done := s.Progress(); done {
					break
				}
			}
			interval := s.restEvery(s.Rate(now))
			if n == 50000 && interval <= RestEvery {
				t.Fatalf("50,000 devices every %v: the budget cannot carry it", interval)
			}
			const window = 10 * time.Second
			var counts []int
			start, reads := now, map[string]int{}
			firstRound := 0 // windows in the interval right after the first pass
			for w := now; w.Before(start.Add(2 * interval)); w = w.Add(window) {
				if w.Before(start.Add(interval)) {
					firstRound++
				}
				c := 0
				for ; now.Before(w.Add(window)); now = now.Add(100 * time.Millisecond) {
					for _, r := range drain(s, now) {
						l.Sent(api.Call{At: now})
						c++
						reads[r.DeviceID]++
						s.Done(r, now, nil)
					}
				}
				counts = append(counts, c)
			}
			total, most := 0, 0
			for _, c := range counts {
				total += c
				most = max(most, c)
			}
			mean := float64(total) / float64(len(counts))
			if float64(most) > 3*mean {
				t.Errorf("a %v window held %d reads, the mean is %.1f: a burst", window, most, mean)
			}
			// Right after the first pass, when the fleet would all come due
			// again at once, the reads are spread nearly flat. (The budget,
			// and so the rate, grows as the day runs out unspent.)
			first := counts[firstRound/10 : firstRound*9/10]
			lo, hi, sum := first[0], first[0], 0
			for _, c := range first {
				lo, hi, sum = min(lo, c), max(hi, c), sum+c
			}
			if m := float64(sum) / float64(len(first)); float64(hi) > 1.5*m+2 || float64(lo) < m/2-2 {
				t.Errorf("reads per %v right after the first pass range %d..%d around %.1f: not even", window, lo, hi, m)
			}
			if budget := s.Rate(now) * (2 * interval).Seconds(); float64(total) > budget*1.05 {
				t.Errorf("%d reads in two intervals, the budget is %.0f", total, budget)
			}
			if len(reads) < n*9/10 {
				t.Errorf("only %d of %d devices read in two intervals of %v", len(reads), n, interval)
			}
			t.Logf("%d devices: every %v, %.1f reads per %v (most %d); after the first pass %d..%d", n, interval.Round(time.Second), mean, window, most, lo, hi)
		})
	}
}
