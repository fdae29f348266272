package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"sqc/api"
	"sqc/state/store"
)

// runRig is a bulk run on a fake clock: the test answers each write.
type runRig struct {
	t     *testing.T
	run   *BulkRun
	now   time.Time
	pace  BulkPace
	check func(Write) error
	sent  map[string]int // writes sent per device
	taken map[string]int // writes the server took (or may have) per device
}

var runStart = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func newRunRig(t *testing.T, dir store.Store, n int) *runRig {
	t.Helper()
	var devs []api.Device
	for i := range n {
		devs = append(devs, api.Device{DeviceID: fmt.Sprintf("DEV%06d", i), Plan: api.PlanHosted})
	}
	j := NewBulkJob(dir, "fp", "acme", []Change{{Key: "ambient.alarm", New: json.Number("65")}}, devs, runStart)
	if err := j.Save(); err != nil {
		t.Fatal(err)
	}
	return &runRig{t: t, run: NewBulkRun(j, runStart, time.Minute, 10*time.Minute), now: runStart,
		pace: BulkPace{Daily: 1000, Rate: 1}, check: func(Write) error { return nil }, sent: map[string]int{}, taken: map[string]int{}}
}

// next asks the runner at the rig's clock; a send is counted.
func (g *runRig) next() BulkStep {
	s := g.run.Next(g.now, g.pace, g.check)
	if s.Err != nil {
		g.t.Fatal(s.Err)
	}
	if s.Do == BulkSend {
		g.sent[s.Write.Device.DeviceID]++
		if st := g.run.Job.Items[s.I].Status; st != BulkSending {
			g.t.Fatalf("a write out is %s in the job, want sending", st)
		}
	}
	return s
}

// send asks for the next step and wants a write.
func (g *runRig) send() BulkStep {
	g.t.Helper()
	s := g.next()
	if s.Do != BulkSend {
		g.t.Fatalf("at +%v: %v (%s), want a write", g.now.Sub(runStart), s.Do, s.Why)
	}
	return s
}

// answer answers a write at the rig's clock.
func (g *runRig) answer(s BulkStep, err error) BulkAnswer {
	res := api.Result{Status: 202, Message: "Config update queued"}
	if err != nil {
		res = api.Result{}
	}
	if o := OutcomeOf(err); o == api.Taken || o == api.Unknown {
		g.taken[s.Write.Device.DeviceID]++
	}
	return g.run.Outcome(s.I, res, err, g.now)
}

// quiet checks that nothing is sent from now to until, asking every
// 100 ms, and leaves the clock at until.
func (g *runRig) quiet(until time.Time) {
	g.t.Helper()
	for ; g.now.Before(until); g.now = g.now.Add(100 * time.Millisecond) {
		if s := g.next(); s.Do != BulkWait {
			g.t.Fatalf("at +%v: %v, want a wait until +%v", g.now.Sub(runStart), s.Do, until.Sub(runStart))
		}
	}
	g.now = until
}

func (g *runRig) eachOnce(n int) {
	g.t.Helper()
	if len(g.taken) != n {
		g.t.Fatalf("%d of %d devices written: %v", len(g.taken), n, g.taken)
	}
	for id, k := range g.taken {
		if k != 1 {
			g.t.Fatalf("%s written %d times", id, k)
		}
	}
}

func rateLimited(after string) error {
	d, _ := time.ParseDuration(after)
	return &api.Error{Op: api.OpUpdateConfig, Status: 429, Message: "Too Many Requests", RetryAfter: d}
}

// A 429 with Retry-After: 2 refuses the write before it is made: nothing
// is sent for 2 s, then the same device goes again, and each device is
// written once.
func TestBulkRunWaitsOutA429(t *testing.T) {
	t.Parallel()
	g := newRunRig(t, memDB(t), 5)
	s := g.send()
	if a := g.answer(s, rateLimited("2s")); a.Then != BulkGoOn {
		t.Fatalf("after a 429: %v", a.Then)
	}
	if it := g.run.Job.Items[s.I]; it.Status != BulkPending {
		t.Fatalf("the refused device is %s, want pending", it.Status)
	}
	w := g.next()
	if w.Do != BulkWait || !w.At.Equal(runStart.Add(2*time.Second)) || !strings.Contains(w.Why, "rate limited (429)") {
		t.Fatalf("after a 429: %+v", w)
	}
	g.quiet(runStart.Add(2 * time.Second))
	again := g.send()
	if again.I != s.I {
		t.Fatalf("device %d sent after the wait, want %d again", again.I, s.I)
	}
	g.answer(again, nil)
	for range 4 {
		g.answer(g.send(), nil)
	}
	if s := g.next(); s.Do != BulkFinished {
		t.Fatalf("after the last device: %v", s.Do)
	}
	g.eachOnce(5)
	// a 429 without Retry-After still waits a little, and a Retry-After
	// of a day is asked again within max429Wait
	for _, tc := range []struct {
		after string
		wait  time.Duration
	}{{"0s", firstBulkBackoff}, {"24h", max429Wait}} {
		g := newRunRig(t, nil, 1)
		g.answer(g.send(), rateLimited(tc.after))
		if w := g.next(); w.Do != BulkWait || w.At.Sub(g.now) != tc.wait {
			t.Errorf("Retry-After %s: waits %v, want %v", tc.after, w.At.Sub(g.now), tc.wait)
		}
	}
}

// The day's quota spent, nothing goes until it resets at 00:00 UTC.
func TestBulkRunWaitsForTheDailyReset(t *testing.T) {
	t.Parallel()
	g := newRunRig(t, nil, 3)
	g.answer(g.send(), nil)
	g.pace.UsedToday = g.pace.Daily
	w := g.next()
	reset := api.NextReset(g.now)
	if w.Do != BulkWait || !w.At.After(reset) || w.At.Sub(reset) > time.Minute || !strings.Contains(w.Why, "the day's quota is used up") {
		t.Fatalf("quota spent: %+v (reset %v)", w, reset)
	}
	g.now = reset.Add(-time.Second)
	if s := g.next(); s.Do != BulkWait {
		t.Fatalf("a second before the reset: %v", s.Do)
	}
	g.now, g.pace.UsedToday = w.At, 0 // a new day: the ledger counts from zero
	g.answer(g.send(), nil)
	g.answer(g.send(), nil)
	g.eachOnce(3)
}

// Network failures back the run off, longer each time in a row; a
// write taken ends the backoff. Nothing left the machine, so the device
// is sent again; a write whose outcome is unknown is never sent again.
func TestBulkRunBacksOffAfterNetworkFailures(t *testing.T) {
	t.Parallel()
	g := newRunRig(t, nil, 3)
	down := &api.Error{Op: api.OpUpdateConfig, NotSent: true, Err: errors.New("connection refused")}
	first := g.send()
	for k, wait := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second} {
		s := first
		if k > 0 {
			if s = g.send(); s.I != first.I {
				t.Fatalf("device %d sent after a failure, want %d again", s.I, first.I)
			}
		}
		a := g.answer(s, down)
		if a.Then != BulkOffline || !strings.Contains(a.Say, "nothing left the machine") {
			t.Fatalf("offline: %+v", a)
		}
		g.quiet(g.now.Add(wait))
	}
	if s := g.send(); s.I != first.I {
		t.Fatalf("device %d sent after the backoff, want %d again", s.I, first.I)
	} else {
		g.answer(s, nil) // the network is back
	}
	// the next failure waits the first backoff again; a 503 (it may have
	// been made) is read back, and the run goes on after the backoff
	s := g.send()
	g.answer(s, &api.Error{Op: api.OpUpdateConfig, Status: 503, Unknown: true})
	if it := g.run.Job.Items[s.I]; it.Status != BulkUnknown || g.run.ToReadBack() != 2 {
		t.Fatalf("after a 503: %s, %d to read back", it.Status, g.run.ToReadBack())
	}
	g.quiet(g.now.Add(2 * time.Second))
	g.answer(g.send(), nil)
	if s := g.next(); s.Do != BulkFinished {
		t.Fatalf("after the last device: %v", s.Do)
	}
	if g.sent[first.Write.Device.DeviceID] != 4 {
		t.Fatalf("writes %v: the device that never left the machine sent 4 times", g.sent)
	}
	g.eachOnce(3)
	// the user may try now; a 429's wait is the server's and holds
	h := newRunRig(t, nil, 2)
	h.answer(h.send(), down)
	h.run.Resume()
	h.send()
	k := newRunRig(t, nil, 2)
	k.answer(k.send(), rateLimited("30s"))
	k.run.Resume()
	if s := k.next(); s.Do != BulkWait {
		t.Fatalf("a resume during a 429's wait: %v", s.Do)
	}
}

// The gate's refusals skip their device with why; a refused key stops
// the run until a resume, which sends the same device once.
func TestBulkRunSkipsWhatTheGateRefusesAndWaitsForALogin(t *testing.T) {
	t.Parallel()
	g := newRunRig(t, memDB(t), 4)
	broke := g.run.Job.Items[1].DeviceID
	g.check = func(w Write) error {
		if w.Device.DeviceID == broke {
			return &BudgetError{DeviceID: broke}
		}
		return nil
	}
	g.answer(g.send(), nil)
	s := g.send()
	if s.I != 2 || g.run.Job.Items[1].Status != BulkSkipped || !strings.Contains(g.run.Job.Items[1].Message, "no API calls left this month") {
		t.Fatalf("sent %d; the device with no calls left is %s %q", s.I, g.run.Job.Items[1].Status, g.run.Job.Items[1].Message)
	}
	if a := g.answer(s, &api.Error{Op: api.OpUpdateConfig, Status: 401, Message: "Unauthorized"}); a.Then != BulkKeyRefused {
		t.Fatalf("after a 401: %v", a.Then)
	}
	if n := g.next(); n.Do != BulkIdle {
		t.Fatalf("before a login: %v", n.Do)
	}
	g.run.Resume()
	if again := g.send(); again.I != 2 {
		t.Fatalf("after the login device %d, want 2", again.I)
	} else {
		g.answer(again, nil)
	}
	g.answer(g.send(), nil)
	if s := g.next(); s.Do != BulkFinished {
		t.Fatalf("after the last device: %v", s.Do)
	}
	if g.sent[broke] != 0 || g.sent[g.run.Job.Items[2].DeviceID] != 2 {
		t.Fatalf("writes %v", g.sent)
	}
	g.eachOnce(3)
}

// A stop while a write is out ends the job after its answer; the rest
// stays pending and no resume sends it.
func TestBulkRunStopAfterTheWriteOut(t *testing.T) {
	t.Parallel()
	dir := memDB(t)
	g := newRunRig(t, dir, 4)
	s := g.send()
	if err := g.run.Stop(); err != nil || !g.run.Stopping || g.run.Job.Cancelled {
		t.Fatalf("a stop while a write is out: %v %+v", err, g.run)
	}
	if n := g.next(); n.Do != BulkIdle {
		t.Fatalf("while stopping: %v", n.Do)
	}
	if a := g.answer(s, nil); a.Then != BulkStopped || !g.run.Job.Cancelled {
		t.Fatalf("the answer after a stop: %v", a.Then)
	}
	if n := g.next(); n.Do != BulkIdle {
		t.Fatalf("after a stop: %v", n.Do)
	}
	jobs, err := UnfinishedJobs(dir, "fp", nil)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("%d jobs, %v", len(jobs), err)
	}
	if _, more := jobs[0].Next(); more || jobs[0].Count()[BulkPending] != 3 {
		t.Fatal("a stopped job sends its pending devices on a resume")
	}
}

// The process stops with a write out (killed): the resume reads that
// device back and sends only the devices not sent, each once.
func TestBulkRunResumeAfterAStopSendsNothingTwice(t *testing.T) {
	t.Parallel()
	dir := memDB(t)
	g := newRunRig(t, dir, 6)
	g.answer(g.send(), nil)
	g.answer(g.send(), rateLimited("1s"))
	g.quiet(g.now.Add(firstBulkBackoff)) // a Retry-After under 2 s waits 2 s
	g.answer(g.send(), nil)
	out := g.send() // the server takes it; the process ends before its answer
	g.taken[out.Write.Device.DeviceID]++
	jobs, err := UnfinishedJobs(dir, "fp", nil)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("%d jobs, %v", len(jobs), err)
	}
	j := jobs[0]
	if it := j.Items[out.I]; it.Status != BulkUnknown {
		t.Fatalf("the write out at the stop is %s, want unknown", it.Status)
	}
	r := &runRig{t: t, run: NewBulkRun(j, g.now, time.Minute, 10*time.Minute), now: g.now.Add(time.Hour), pace: g.pace, check: g.check, sent: g.sent, taken: g.taken}
	if n := r.run.ToReadBack(); n != 3 {
		t.Fatalf("%d to read back after the resume, want the 2 queued and the one out", n)
	}
	for range 3 {
		r.answer(r.send(), nil)
	}
	if s := r.next(); s.Do != BulkFinished {
		t.Fatalf("after the resume's last device: %v", s.Do)
	}
	r.eachOnce(6)
	if n := r.sent[out.Write.Device.DeviceID]; n != 1 {
		t.Fatalf("the write out at the stop sent %d times", n)
	}
}

// Read-backs go at the budget's rate, one device at a time, each again
// only after Again, and end when all are seen or For is up.
func TestBulkRunReadsBackAtTheBudgetsPace(t *testing.T) {
	t.Parallel()
	g := newRunRig(t, nil, 3)
	for range 3 {
		g.answer(g.send(), nil)
	}
	if !g.run.StartReadBacks(g.now) || g.run.StartReadBacks(g.now) {
		t.Fatal("read-backs start once")
	}
	g.pace.Rate = 0.5 // a read every 2 s
	first := g.run.NextRead(g.now, g.pace)
	if first.ID == "" {
		t.Fatalf("first read-back: %+v", first)
	}
	if n := g.run.NextRead(g.now, g.pace); n.ID != "" || n.Wait != 2*time.Second {
		t.Fatalf("a second read at once: %+v", n)
	}
	applied := &api.ConfigResponse{Synced: true, Config: api.Config{"ambient": api.Config{"alarm": json.Number("65")}}}
	if ok, _ := g.run.ReadAnswer(first.I, applied, g.now, nil); !ok || g.run.Job.Items[first.I].Status != BulkApplied {
		t.Fatalf("a synced read with the values: %s", g.run.Job.Items[first.I].Status)
	}
	g.now = g.now.Add(2 * time.Second)
	second := g.run.NextRead(g.now, g.pace)
	pending := &api.ConfigResponse{Synced: false, Config: api.Config{"ambient": api.Config{"alarm": json.Number("50")}}}
	if ok, _ := g.run.ReadAnswer(second.I, pending, g.now, nil); ok {
		t.Fatal("a read without the values settled the device")
	}
	g.pace.Backoff = g.now.Add(30 * time.Second)
	if n := g.run.NextRead(g.now, g.pace); n.ID != "" || n.Wait != 30*time.Second {
		t.Fatalf("during an outage: %+v", n)
	}
	g.now = g.now.Add(11 * time.Minute)
	if n := g.run.NextRead(g.now, g.pace); !n.Ended {
		t.Fatalf("after For: %+v", n)
	}
	if all, _ := g.run.EndReadBacks("10m"); all || !g.run.Job.Settled || !strings.Contains(g.run.Job.Items[second.I].Message, "not seen applied within 10m") {
		t.Fatalf("the end: all %v, settled %v, %q", all, g.run.Job.Settled, g.run.Job.Items[second.I].Message)
	}
}

// A job of writes with their own changes (the command line types each
// device's values by its own config) sends each its own after a resume,
// and a job settled at its end is not offered again.
func TestBulkJobOfOwnChangesAndSettled(t *testing.T) {
	t.Parallel()
	dir := memDB(t)
	a := Write{Op: api.OpUpdateConfig, Device: api.Device{DeviceID: "AAAAAAAA1", Plan: api.PlanHosted}, Changes: []Change{{Key: "ambient.warning", Old: json.Number("50"), New: json.Number("47")}}}
	b := Write{Op: api.OpUpdateConfig, Device: api.Device{DeviceID: "AAAAAAAA2", Plan: api.PlanHosted}, Changes: []Change{{Key: "ambient.warning", Old: "50", New: "47"}, {Key: "serial1.mode", Old: "RS232", New: "MODBUS"}}}
	j := NewBulkJobOf(dir, "fp", "acme", []Write{a, b}, runStart)
	if got := DiffLines(j.Changes); len(got) != 2 {
		t.Fatalf("the job's changes %v, want each key once", got)
	}
	j.Set(0, BulkQueued, "", runStart)
	if err := j.Save(); err != nil {
		t.Fatal(err)
	}
	jobs, err := UnfinishedJobs(dir, "fp", nil)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("%d jobs, %v", len(jobs), err)
	}
	back := jobs[0]
	w := back.Write(1)
	if len(w.Changes) != 2 || w.Changes[0].New != "47" || w.Changes[1].New != "MODBUS" || w.Changes[0].Old != nil {
		t.Fatalf("the second device's write after a resume: %+v", w.Changes)
	}
	if w := back.Write(0); len(w.Changes) != 1 || FormatValue(w.Changes[0].New) != "47" {
		t.Fatalf("the first device's write: %+v", w.Changes)
	}
	back.Set(1, BulkQueued, "", runStart)
	if err := back.Save(); err != nil {
		t.Fatal(err)
	}
	back.Settled = true // the flag alone, after the last device was saved
	if err := back.Save(); err != nil {
		t.Fatal(err)
	}
	if jobs, _ := UnfinishedJobs(dir, "fp", nil); len(jobs) != 0 {
		t.Fatal("a job settled at its end is offered again")
	}
}

// A command line gives up after MaxOffline network failures in a row:
// the run pauses with the device pending, to be resumed.
func TestBulkRunGivesUpOfflineAfterMaxOffline(t *testing.T) {
	t.Parallel()
	g := newRunRig(t, nil, 2)
	g.run.MaxOffline = 2
	down := &api.Error{Op: api.OpUpdateConfig, NotSent: true, Err: errors.New("connection refused")}
	s := g.send()
	if a := g.answer(s, down); a.Then != BulkOffline {
		t.Fatalf("first failure: %v", a.Then)
	}
	g.quiet(g.now.Add(firstBulkBackoff))
	if a := g.answer(g.send(), down); a.Then != BulkGaveUp || !g.run.Paused || !strings.Contains(a.Say, "2 times in a row") {
		t.Fatalf("second failure: %+v", a)
	}
	if it := g.run.Job.Items[s.I]; it.Status != BulkPending {
		t.Fatalf("the device is %s, want pending", it.Status)
	}
	if n := g.next(); n.Do != BulkIdle {
		t.Fatalf("after giving up: %v", n.Do)
	}
}
