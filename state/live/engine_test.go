package live

import (
	"encoding/json"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"sqc/api"
	"sqc/state"
)

// Two views focusing one device cost one set of reads: the simulator sees
// it read once per focus interval, not twice.
func TestTwoViewsOnOneDeviceReadItOncePerInterval(t *testing.T) {
	r := newRig(t, 60, nil)
	a, b := r.e.Subscribe(), r.e.Subscribe()
	r.firstPass()
	id := r.lively(0)
	a.SetFocus(id)
	b.SetFocus(id)
	from := r.clock.Now()
	r.run(time.Minute, 100*time.Millisecond, nil)
	var every time.Duration
	r.e.Read(func(rd Reader) { every = rd.Sched.FocusIntervalOf(id, r.clock.Now()) })
	n, want := r.readsOf(id, from, r.clock.Now()), int(time.Minute/every)
	if n < want-1 || n > want+1 {
		t.Fatalf("focused by two views, %s was read %d times in a minute, want %d (one per %v)", id, n, want, every)
	}
}

// A view that never reads its channel does not hold the engine back: the
// focused device's reads go out on time, the other view sees every one of
// them as it comes, and the slow view finds them all merged when it looks.
func TestASlowViewDelaysNothing(t *testing.T) {
	r := newRig(t, 60, nil)
	slow, quick := r.e.Subscribe(), r.e.Subscribe()
	r.firstPass()
	quick.Take()
	id := r.lively(1)
	slow.SetFocus(id)
	from := r.clock.Now()
	seen := 0
	reads := 0
	r.run(time.Minute, 100*time.Millisecond, func() {
		if n := r.readsOf(id, from, r.clock.Now().Add(time.Nanosecond)); n > reads {
			reads = n
			select {
			case <-quick.Changed():
			default:
				t.Fatalf("read %d of %s went out, and the quick view was not told", n, id)
			}
			if _, ok := quick.Take().Devices[id]; !ok {
				t.Fatalf("read %d of %s went out, and the quick view's changes do not name it", n, id)
			}
			seen++
		}
	})
	var every time.Duration
	r.e.Read(func(rd Reader) { every = rd.Sched.FocusIntervalOf(id, r.clock.Now()) })
	if want := int(time.Minute / every); reads < want-1 {
		t.Fatalf("with a view that never reads, %s was read %d times in a minute, want %d", id, reads, want)
	}
	if seen != reads {
		t.Fatalf("the quick view saw %d of %d reads", seen, reads)
	}
	c := slow.Take()
	if _, ok := c.Devices[id]; !ok || !c.List {
		t.Fatalf("the slow view's pending changes lost data: list %v, devices %v", c.List, c.Devices)
	}
}

// Closing a view, then the engine, leaves no goroutine behind.
func TestClosingLeavesNoGoroutine(t *testing.T) {
	r := newRig(t, 60, nil)
	r.e.Close() // the rig's engine: the baseline is taken without one
	r.srv.CloseClientConnections()
	base := runtime.NumGoroutine()
	e := r.engine()
	r.e = e
	v := e.Subscribe()
	r.firstPass()
	v.SetFocus(r.sim.Devices()[1].DeviceID)
	r.run(10*time.Second, 100*time.Millisecond, nil)
	v.Close()
	if _, open := <-v.Changed(); open {
		// a signal pending before the close: the channel closes after it
		if _, open := <-v.Changed(); open {
			t.Fatal("a closed view's channel is still open")
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	// the client's idle connections are the HTTP transport's, not the
	// engine's: the server ends them
	r.srv.CloseClientConnections()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after close, %d before the engine:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}

// Two views submitting the same write at once: it is sent once, and both
// are told the same outcome, each that it asked.
func TestOneWriteFromTwoViewsIsSentOnce(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	arrived := make(chan struct{})
	r := newRig(t, 60, func(q *http.Request) {
		if q.Method != http.MethodGet {
			once.Do(func() { close(arrived) })
			<-release // held until both views have asked
		}
	})
	a, b := r.e.Subscribe(), r.e.Subscribe()
	r.firstPass()
	d := r.sim.Devices()[3]
	w := state.Write{Op: api.OpUpdateConfig, Device: d, Changes: []state.Change{{Key: "ambient.warning", New: json.Number("47"), Added: true}}}
	var wg sync.WaitGroup
	seqs := make([]int, 2)
	for i, v := range []*View{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); seqs[i] = v.Submit(w) }()
	}
	wg.Wait()
	<-arrived
	close(release)
	if seqs[0] != seqs[1] {
		t.Fatalf("one write, two sequence numbers: %v", seqs)
	}
	outcome := func(v *View) WriteOutcome {
		var got []WriteOutcome
		eventually(t, "the write's outcome", func() bool {
			got = append(got, v.Take().Writes...)
			return len(got) > 0
		})
		if len(got) != 1 {
			t.Fatalf("%d outcomes for one write", len(got))
		}
		return got[0]
	}
	oa, ob := outcome(a), outcome(b)
	if !oa.Mine(a) || !ob.Mine(b) || oa.Seq != seqs[0] || ob.Seq != seqs[0] {
		t.Fatalf("each view should be told the write was its own: %+v, %+v", oa, ob)
	}
	if oa.Err != nil || ob.Err != nil || oa.Result != ob.Result || state.OutcomeOf(oa.Err) != api.Taken {
		t.Fatalf("different or failed outcomes: %+v / %+v", oa, ob)
	}
	sent := 0
	for _, q := range r.sim.Requests() {
		if q.Op == api.OpUpdateConfig {
			sent++
		}
	}
	if sent != 1 {
		t.Fatalf("the write was sent %d times", sent)
	}
}

// A view that closes while its write is out: the write still goes once,
// and the other view is told how it ended.
func TestAWriteOutlivesTheViewThatAsked(t *testing.T) {
	release := make(chan struct{})
	r := newRig(t, 60, func(q *http.Request) {
		if q.Method != http.MethodGet {
			<-release
		}
	})
	asker, other := r.e.Subscribe(), r.e.Subscribe()
	r.firstPass()
	d := r.sim.Devices()[4]
	seq := asker.Submit(state.Write{Op: api.OpUpdateConfig, Device: d, Changes: []state.Change{{Key: "ambient.warning", New: json.Number("46"), Added: true}}})
	asker.Close()
	close(release)
	var got []WriteOutcome
	eventually(t, "the outcome at the other view", func() bool {
		got = append(got, other.Take().Writes...)
		return len(got) > 0
	})
	if got[0].Seq != seq || got[0].Mine(other) || state.OutcomeOf(got[0].Err) != api.Taken {
		t.Fatalf("the other view was told %+v", got[0])
	}
	if c := asker.Take(); !c.Closed || len(c.Writes) != 0 {
		t.Fatalf("a closed view still gathers changes: %+v", c)
	}
}

// A pause made under a view's lock is told to every view once the lock
// is let go, and holds the scheduled reads.
func TestAPauseUnderTheLockIsToldToEveryView(t *testing.T) {
	r := newRig(t, 20, nil)
	a, b := r.e.Subscribe(), r.e.Subscribe()
	r.firstPass()
	b.Take()
	a.Lock(func(l Locked) {
		l.SetPaused(true)
		if c := b.Take(); c.Conn {
			t.Fatal("the other view was told while the lock was held")
		}
	})
	if c := b.Take(); !c.Conn {
		t.Fatal("the other view was not told of the pause")
	}
	paused := false
	b.Read(func(rd Reader) { paused = rd.Sched.Paused() })
	if !paused {
		t.Fatal("the scheduler is not paused")
	}
}
