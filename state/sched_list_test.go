package state

import (
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
)

// listRequests counts the list pages the server was asked for.
func listRequests(h *sim.Hostile) int {
	n := 0
	for _, q := range h.Log() {
		if q.Op == api.OpListDevices {
			n++
		}
	}
	return n
}

func newDripRig(t *testing.T) (*rig, *sim.Hostile) {
	t.Helper()
	h, err := sim.NewHostile(sim.HostileDrip, "rig-key")
	if err != nil {
		t.Fatal(err)
	}
	return newRigOn(t, newSimClock(rigStart), h), h
}

// A server that pages out 20 new Hosted devices for ever: each listing
// stops at its budget (50 requests, 5% of the smallest account's day).
// Left running for 6 hours the console lists at start and then after 1 h,
// 2 h (doubling), never every 5 minutes, and the cut-short list never
// raises the limits the budget is spread from.
func TestStoppedListingBacksOffAndKeepsTheKnownLimits(t *testing.T) {
	r, h := newDripRig(t)
	r.step = time.Minute
	r.run(10 * time.Minute)
	first := listRequests(h)
	if first == 0 || first > 50 {
		t.Fatalf("the first listing made %d list requests, want 1..50", first)
	}
	if lim := r.sched.Limits(); lim.Daily != 1000 || lim.RatePerSecond != 1 {
		t.Errorf("limits after a stopped listing: %+v, want those known before it (1000 a day, 1 req/s)", lim)
	}
	if got := r.client.Rate(); got != 1 {
		t.Errorf("client rate %g after a stopped listing, want 1", got)
	}
	until, why, askable := r.sched.Stopped()
	if why == "" || !until.Equal(rigStart.Add(ListStoppedHold)) && until.Sub(rigStart) > ListStoppedHold+time.Minute {
		t.Errorf("Stopped() = %v, %q: want a reason and a retry an hour on", until, why)
	}
	if !askable {
		t.Error("the user cannot list once after a stopped listing")
	}
	if n := listRequests(h); n != first {
		t.Errorf("%d list requests in the first 10 minutes, want only the first listing's %d", n, first)
	}
	r.run(6*time.Hour - 10*time.Minute)
	// at 0, ~1 h and ~3 h: three listings
	if n := listRequests(h); n > 3*first {
		t.Errorf("%d list requests in 6 hours (%d per listing), want at most 3 listings: the list is read every 5 minutes", n, first)
	}
	if n := listRequests(h); n < 3*first {
		t.Errorf("%d list requests in 6 hours, want the retries at 1 h and 3 h (%d each)", n, first)
	}
}

// After a stopped listing the user may list once before the backoff ends;
// a second ask is refused until then, and says nothing is sent.
func TestUserListsOncePerBackoffAfterAStop(t *testing.T) {
	r, h := newDripRig(t)
	r.step = time.Minute
	r.run(10 * time.Minute)
	first := listRequests(h)
	until, _, _ := r.sched.Stopped()
	if !r.sched.Ask(KindList, "") {
		t.Fatal("the first ask to list after a stop was refused")
	}
	r.run(10 * time.Minute)
	if n := listRequests(h); n != 2*first {
		t.Fatalf("%d list requests after the user's ask, want %d", n, 2*first)
	}
	again, _, askable := r.sched.Stopped()
	if askable || r.sched.Ask(KindList, "") {
		t.Error("a second ask to list in the same backoff was allowed")
	}
	if !again.Equal(until) {
		t.Errorf("the user's listing moved the retry from %v to %v", until, again)
	}
	r.run(20 * time.Minute)
	if n := listRequests(h); n != 2*first {
		t.Errorf("%d list requests, want %d: a refused ask was sent", n, 2*first)
	}
}

// A key whose ledger already counts more than the smallest account's day:
// the first listing still goes (only it can tell the account's real
// limits), and it goes once.
func TestFirstListingGoesWhenTheKnownDayIsSpent(t *testing.T) {
	r := newRig(t, sim.Options{Devices: 3, Seed: 1})
	for range 1500 {
		r.ledger.Sent(api.Call{Op: api.OpGetData, At: rigStart.Add(-time.Hour)})
	}
	if rate := r.sched.Rate(rigStart); rate != 0 {
		t.Fatalf("rate %g with 1,500 used of 1,000, want 0", rate)
	}
	r.step = time.Second
	r.run(time.Minute)
	lists := 0
	for _, q := range r.issues {
		if q.Kind == KindList {
			lists++
		}
	}
	if lists != 1 {
		t.Fatalf("%d listings in the first minute, want 1", lists)
	}
	if _, total, _ := r.sched.Progress(); total == 0 {
		t.Error("the listing's devices never reached the scheduler")
	}
}
