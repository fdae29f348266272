package state

import (
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
)

// liveDevice is a device of the simulator's list the scheduler reads.
func liveDevices(r *rig, n int) []string {
	var out []string
	for _, d := range r.sim.Devices() {
		if r.sched.CanRead(d.DeviceID) && r.clock.Now().Sub(d.Seen()) < StaleAfter {
			out = append(out, d.DeviceID)
			if len(out) == n {
				break
			}
		}
	}
	if len(out) < n {
		r.t.Fatalf("only %d live readable devices", len(out))
	}
	return out
}

func visibleOf(r *rig) []string {
	var out []string
	for _, d := range r.sim.Devices()[:20] {
		out = append(out, d.DeviceID)
	}
	return out
}

// Issue 9: start offline with a cached list, the server comes back, the
// user opens one device and then another: each is read fresh within a
// focus interval of being opened, and the console recovers by itself.
func TestFocusedDeviceIsReadAfterAnOutageAndEachRefocus(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Devices: 100, HostedFraction: 1})
	r.gate.mode.Store(gateDown)
	r.cached()
	r.sched.SetVisible(visibleOf(r))
	r.run(3 * time.Minute)
	if c := r.sched.Conn(r.clock.Now()); c.State != ConnOffline || c.Live {
		t.Fatalf("started offline: %+v", c)
	}
	if r.firstState(ConnOnline, rigStart) != (time.Time{}) {
		t.Fatal("said online while nothing answered")
	}
	back := r.clock.Now()
	r.gate.mode.Store(gateUp)
	r.run(time.Minute)
	on := r.firstState(ConnOnline, back)
	if on.IsZero() || on.Sub(back) > BackoffMax {
		t.Fatalf("online %v after the server came back, want within %v", on.Sub(back), BackoffMax)
	}
	if c := r.sched.Conn(r.clock.Now()); !c.Live {
		t.Fatal("reads succeeded, yet not live")
	}
	ids := liveDevices(r, 60)
	a, b := ids[40], ids[55]
	for _, id := range []string{a, b} {
		at := r.clock.Now()
		r.sched.SetFocus(id, false)
		r.run(30 * time.Second)
		reads := r.readsOf(id, at.Add(-time.Nanosecond), at.Add(30*time.Second)) // a read at once is folded at the same fake instant
		if len(reads) == 0 || reads[0].done.Sub(at) > FocusEvery {
			t.Fatalf("device %s focused at +%v: reads %v (first %v after), want the first within %v", id, at.Sub(rigStart), len(reads), reads[0].done.Sub(at), FocusEvery)
		}
		for i := 1; i < len(reads); i++ {
			if gap := reads[i].done.Sub(reads[i-1].done); gap > FocusEvery+time.Second {
				t.Errorf("device %s: %v between reads while focused", id, gap)
			}
		}
		if len(reads) < 5 {
			t.Errorf("device %s read %d times in 30 s of focus", id, len(reads))
		}
	}
}

// Issue 9: the server dies mid-session: offline within 3 s, a countdown of
// at most a minute that is not multiplied by the requests already out, and
// recovery by itself within a minute of the server's return.
func TestServerDiesMidSessionAndComesBack(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Devices: 2000, HostedFraction: 1})
	r.sched.SetVisible(visibleOf(r))
	r.run(2 * time.Minute)
	r.sched.SetFocus(liveDevices(r, 1)[0], false)
	r.run(time.Minute)
	if c := r.sched.Conn(r.clock.Now()); c.State != ConnOnline {
		t.Fatalf("before the outage: %+v", c)
	}
	dead := r.clock.Now()
	r.gate.mode.Store(gateDown)
	r.run(3 * time.Minute)
	off := r.firstState(ConnOffline, dead)
	if off.IsZero() || off.Sub(dead) > 3*time.Second {
		t.Fatalf("offline %v after the server died, want within 3 s", off.Sub(dead))
	}
	if first := r.stateAt(off); first.Until.Sub(off) != BackoffStart {
		t.Errorf("first countdown %v, want %v whatever was in flight", first.Until.Sub(off), BackoffStart)
	}
	prev := r.stateAt(off)
	for _, ca := range r.conns {
		if !ca.at.Before(off) && ca.c.State == ConnOffline && ca.c.Until.Sub(ca.at) > BackoffMax {
			t.Fatalf("countdown %v at +%v, over %v", ca.c.Until.Sub(ca.at), ca.at.Sub(dead), BackoffMax)
		}
		if ca.at.After(off) && ca.at.Before(prev.Until) {
			t.Fatalf("the wait grew at +%v, before the try at +%v: a request already out raised it", ca.at.Sub(dead), prev.Until.Sub(dead))
		}
		if ca.at.After(off) {
			prev = ca.c
		}
		if ca.at.After(off) && ca.c.State != ConnOffline {
			t.Fatalf("state %v at +%v while the server is down", ca.c.State, ca.at.Sub(dead))
		}
	}
	back := r.clock.Now()
	r.gate.mode.Store(gateUp)
	r.run(90 * time.Second)
	on := r.firstState(ConnOnline, back)
	if on.IsZero() || on.Sub(back) > BackoffMax {
		t.Fatalf("back online %v after the server returned, want within %v", on.Sub(back), BackoffMax)
	}
}

// Issue 9: with every call answering 500 the console says server error,
// never online, and backs off to a minute at most.
func TestEveryCall500IsAServerErrorNeverOnline(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Devices: 60})
	r.gate.mode.Store(gate500)
	r.cached()
	r.run(10 * time.Minute)
	var untils []time.Duration
	var prev Conn
	for _, ca := range r.conns {
		switch ca.c.State {
		case ConnOnline:
			t.Fatalf("online at +%v with every call failing", ca.at.Sub(rigStart))
		case ConnServerError:
			untils = append(untils, ca.c.Until.Sub(ca.at))
			if ca.at.Before(prev.Until) {
				t.Fatalf("the wait grew at +%v, before the try at +%v: a request already out raised it",
					ca.at.Sub(rigStart), prev.Until.Sub(rigStart))
			}
			prev = ca.c
		}
	}
	want := []time.Duration{2, 4, 8, 16, 32, 60, 60}
	for i, w := range want {
		if i >= len(untils) || untils[i] != w*time.Second {
			t.Fatalf("countdowns %v, want them to start %v s", untils, want)
		}
	}
	if c := r.sched.Conn(r.clock.Now()); c.State != ConnServerError || c.Live {
		t.Fatalf("after 10 minutes of 500s: %+v", c)
	}
}

// Issue 9: a 429 with Retry-After 2 holds every read, the user's too, for
// 2 s from its arrival; r cannot cut it short.
func TestRateLimitHoldsEveryReadForItsRetryAfter(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Devices: 200, HostedFraction: 1})
	r.fold = 300 * time.Millisecond // the 429 is folded late: the hold must not wait for it
	r.sched.SetVisible(visibleOf(r))
	r.run(time.Minute)
	r.sim.Inject(sim.Fault{Status: 429, Message: "Too Many Requests", RetryAfter: "2"})
	ids := liveDevices(r, 3)
	r.sched.Ask(KindData, ids[0]) // goes, and meets the 429 or follows it
	r.run(500 * time.Millisecond)
	var hit time.Time
	for _, q := range r.sim.Requests() {
		if q.Status == 429 {
			hit = q.At
		}
	}
	if hit.IsZero() {
		t.Fatal("the 429 was never answered")
	}
	if until, why := r.sched.RetryNow(r.clock.Now()); until.IsZero() || why == "" {
		t.Error("r cut a 429 short")
	}
	r.sched.Ask(KindData, ids[1])
	r.sched.Ask(KindList, "")
	r.run(5 * time.Second)
	for _, q := range r.sim.Requests() {
		if q.At.After(hit) && q.At.Before(hit.Add(2*time.Second)) {
			t.Errorf("%s %s went %v after the 429", q.Method, q.Path, q.At.Sub(hit))
		}
	}
	if len(r.readsOf(ids[1], hit, r.clock.Now())) == 0 {
		t.Error("the user's read never went after the hold")
	}
	if c := r.sched.Conn(r.clock.Now()); c.State != ConnOnline {
		t.Errorf("after the hold: %+v", c)
	}
}

// Issue 9: one device with a malformed ID in the list is held with its
// reason; the 20 good ones keep being read and the console stays online.
func TestMalformedIDDoesNotStallTheFleet(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Devices: 20, HostedFraction: 1})
	seen := float64(rigStart.Unix())
	bad := api.Device{DeviceID: "BAD-ID!!1", Name: "bad", Plan: api.PlanHosted, LastSeen: &seen}
	r.listed = func(l []api.Device) []api.Device { return append(l, bad) }
	var ids []string
	stale := map[string]bool{}
	for _, d := range r.sim.Devices() {
		ids = append(ids, d.DeviceID)
		stale[d.DeviceID] = rigStart.Sub(d.Seen()) > StaleAfter
	}
	r.sched.SetVisible(append([]string{bad.DeviceID}, ids...))
	r.run(time.Hour)
	for _, ca := range r.conns {
		if ca.c.State != ConnConnecting && ca.c.State != ConnOnline {
			t.Fatalf("state %v at +%v: one device held the fleet back", ca.c.State, ca.at.Sub(rigStart))
		}
	}
	for _, id := range ids {
		if !r.sched.CanRead(id) {
			continue
		}
		// a device that stopped reporting has nothing new after its first
		// read: its lastSeen does not move
		want := 2
		if stale[id] {
			want = 1
		}
		if n := len(r.readsOf(id, rigStart, r.clock.Now())); n < want {
			t.Errorf("good device %s read %d times in an hour, want at least %d", id, n, want)
		}
	}
	if until, why := r.sched.Hold(bad.DeviceID); until.IsZero() || why == "" {
		t.Errorf("the bad device is not held with a reason: %v %q", until, why)
	}
	if read, total, done := r.sched.Progress(); !done || read != total {
		t.Errorf("first pass %d/%d done=%v: a device failure is an answer", read, total, done)
	}
}

// Issue 9: a device's monthly 429 holds that device until next month and
// nothing else.
func TestMonthlyLimitHoldsOnlyThatDevice(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Devices: 20, HostedFraction: 1})
	r.cached()
	ids := liveDevices(r, 10)
	spent := ids[3]
	r.gate.monthly.Store(spent, true)
	r.sched.SetVisible(ids)
	r.run(2 * time.Hour)
	tries := 0
	for _, q := range r.issues {
		if q.DeviceID == spent {
			tries++
		}
	}
	if tries != 1 {
		t.Errorf("the device over its monthly limit was asked %d times, want once", tries)
	}
	if until, _ := r.sched.Hold(spent); !until.Equal(api.NextMonth(rigStart)) {
		t.Errorf("held until %v, want the next month %v", until, api.NextMonth(rigStart))
	}
	if r.sched.Ask(KindData, spent) {
		t.Error("a user read of a device over its monthly limit was queued")
	}
	for _, id := range ids {
		if id != spent && len(r.readsOf(id, rigStart, r.clock.Now())) < 2 {
			t.Errorf("device %s read %d times in 2 hours", id, len(r.readsOf(id, rigStart, r.clock.Now())))
		}
	}
	for _, ca := range r.conns {
		if ca.c.State == ConnRateLimited {
			t.Fatal("one device's monthly limit held the account")
		}
	}
}

// Issue 12: the ledger counts every request the moment it is sent, so
// after a first pass over 10,000 devices by a console slow to fold its
// answers, the count equals the simulator's while answers still queue.
func TestLedgerCountsEveryRequestOfASweepBehindASlowConsole(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("10,000 requests over loopback")
	}
	r := newRig(t, sim.Options{Devices: 10000})
	r.fold = 20 * time.Millisecond
	r.sched.SetVisible(visibleOf(r))
	checks := 0
	for {
		r.run(time.Second)
		if len(r.pending) > 0 {
			checks++
			if got, want := r.ledger.UsedToday(r.clock.Now()), r.sim.Stats().Requests; got != want {
				t.Fatalf("at +%v with %d answers unfolded: the ledger counts %d, the simulator answered %d",
					r.clock.Now().Sub(rigStart), len(r.pending), got, want)
			}
		}
		if _, total, done := r.sched.Progress(); done && total > 0 {
			break
		}
	}
	read, total, _ := r.sched.Progress()
	if checks < 10 || read != total || total < 5000 {
		t.Fatalf("sweep of %d/%d devices, %d checks with answers queued", read, total, checks)
	}
	if st := r.sim.Stats(); st.RateLimited != 0 {
		t.Errorf("%d 429s during the sweep", st.RateLimited)
	}
	t.Logf("first pass over %d readable devices: %v of fake time, %d requests", total, r.clock.Now().Sub(rigStart), r.sim.Stats().Requests)
}

// Issue 9: a server failing a third of its calls at random is shown
// failing or online, never both within a second, and every device still
// gets read.
func TestFlakyServerNeverFlickers(t *testing.T) {
	t.Parallel()
	r := newRig(t, sim.Options{Devices: 300, HostedFraction: 1})
	r.gate.flaky(0.3)
	r.step = 10 * time.Millisecond
	r.sched.SetVisible(visibleOf(r))
	r.sched.SetFocus(r.sim.Devices()[5].DeviceID, false)
	r.run(10 * time.Minute)
	changes := 0
	for i := 2; i < len(r.conns); i++ { // from the first answer on
		prev, cur := r.conns[i-1], r.conns[i]
		if prev.c.State == cur.c.State {
			continue
		}
		changes++
		if gap := cur.at.Sub(prev.at); gap < time.Second-r.step {
			t.Fatalf("%v at +%v, then %v %v later", prev.c.State, prev.at.Sub(rigStart), cur.c.State, gap)
		}
	}
	if changes < 10 {
		t.Fatalf("only %d state changes in 10 minutes of a flaky server: the test shows nothing", changes)
	}
	if read, total, done := r.sched.Progress(); !done {
		t.Errorf("first pass %d/%d after 10 minutes", read, total)
	}
}

// Issue 9: the first pass reads every device once at the account's rate,
// the devices on screen first, at most MaxInFlight at a time.
func TestFirstPassFillsTheFleetFast(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		devices int
		latency time.Duration
	}{{60, 0}, {60, 100 * time.Millisecond}, {500, 0}, {500, 100 * time.Millisecond}} {
		r := newRig(t, sim.Options{Devices: c.devices})
		r.latency = c.latency
		r.sched.SetVisible(visibleOf(r))
		for _, _, done := r.sched.Progress(); !done; _, _, done = r.sched.Progress() {
			r.run(100 * time.Millisecond)
		}
		took := r.clock.Now().Sub(rigStart)
		_, total, _ := r.sched.Progress()
		// The list, then the devices 8 at a time, within the account's rate.
		limit := time.Duration(total/MaxInFlight+2)*c.latency + time.Duration(float64(total)/r.sched.Limits().RatePerSecond*float64(time.Second)) + time.Second
		t.Logf("%d devices (%d readable), %v per answer: first pass in %v", c.devices, total, c.latency, took)
		if took > limit {
			t.Errorf("%d devices, %v per answer: first pass took %v, want within %v", c.devices, c.latency, took, limit)
		}
		if st := r.sim.Stats(); st.RateLimited != 0 {
			t.Errorf("%d 429s in the first pass", st.RateLimited)
		}
	}
}
