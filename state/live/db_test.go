package live

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"sqc/api"
	"sqc/state"
	"sqc/state/store"
)

// dbEngine is an engine on the database of dir, reading from url.
func (r *rig) dbEngine(dir, url string) (*Engine, *state.DB) {
	r.t.Helper()
	db, err := state.OpenDB(dir, "acme", "fp", r.clock.Now(), nil)
	if err != nil {
		r.t.Fatal(err)
	}
	ledger, _ := state.NewLedger("", "", start, nil)
	o := api.Options{BaseURL: url, Key: "live-key", Wait: func(context.Context, time.Duration) error { return nil }}
	Hooks(ledger, nil, r.clock.Now)(&o)
	c, _ := api.New(o)
	e, err := New(Config{Client: c, Ledger: ledger, Now: r.clock.Now, DB: db, Spark: 10, CloseWait: 50 * time.Millisecond, Held: true})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { e.Close() })
	return e, db
}

// Every message the engine reads goes to the database's history, once,
// and each device's latest there is the one the fleet shows.
func TestMessagesReadAreKeptInTheHistory(t *testing.T) {
	r := newRig(t, 30, nil)
	r.e.Close()
	e, db := r.dbEngine("", r.srv.URL)
	r.e = e
	v := e.Subscribe()
	e.Start()
	r.firstPass()
	focus := r.lively(0)
	v.SetFocus(focus)
	r.run(2*time.Minute, 500*time.Millisecond, nil)
	shown := map[string]time.Time{}
	e.Read(func(rd Reader) {
		for _, d := range rd.Fleet.All() {
			shown[d.DeviceID] = d.MessageTime()
		}
	})
	eventually(t, "every device's latest message in the database", func() bool {
		for id, at := range shown {
			if at.IsZero() {
				continue // nothing read of it
			}
			m, ok, err := db.LatestMessage(context.Background(), id)
			if err != nil || !ok || !m.TS.Equal(at.Round(time.Millisecond)) {
				return false
			}
		}
		return true
	})
	h, err := db.History(context.Background(), focus, start.Add(-time.Hour), r.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	// the focused device is read every few seconds: the run kept many of
	// its messages, each once
	if len(h) < 10 {
		t.Fatalf("%d messages of the focused device in the history, want its reads of two minutes", len(h))
	}
	for i := 1; i < len(h); i++ {
		if !h[i].TS.After(h[i-1].TS) {
			t.Fatalf("history not once per message: %v then %v", h[i-1].TS, h[i].TS)
		}
	}
}

// Closing the engine keeps the fleet in the database: the next engine,
// with the server gone, shows the same devices, their last states and
// the ages of what it knew, opens on the device that was open, and reads
// that device's latest message and sparkline back from the database.
func TestARestartWithTheServerGoneShowsWhatWasKept(t *testing.T) {
	r := newRig(t, 60, nil)
	r.e.Close()
	dir := t.TempDir()
	e, _ := r.dbEngine(dir, r.srv.URL)
	r.e = e
	v := e.Subscribe()
	e.Start()
	r.firstPass()
	focus := r.lively(2)
	v.SetFocus(focus)
	r.run(20*time.Second, 100*time.Millisecond, nil)
	type seen struct {
		msg, fetched time.Time
		health       state.Health
	}
	was := map[string]seen{}
	now := r.clock.Now()
	e.Read(func(rd Reader) {
		for _, d := range rd.Fleet.All() {
			was[d.DeviceID] = seen{d.MessageTime().Round(time.Millisecond), d.FetchedAt, d.Health(now)}
		}
	})
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	next, _ := r.dbEngine(dir, "http://127.0.0.1:1")
	nv := next.Subscribe()
	next.Start()
	restored := ""
	eventually(t, "the fleet restored", func() bool {
		<-nv.Changed()
		if c := nv.Take(); c.Restored != "" {
			restored = c.Restored
		}
		return restored != ""
	})
	if restored != focus || next.Restored() != focus {
		t.Fatalf("restored focused on %q (Restored %q), want %q", restored, next.Restored(), focus)
	}
	next.Read(func(rd Reader) {
		if rd.Fleet.Len() != 60 || rd.Fleet.CachedAt.IsZero() {
			t.Fatalf("%d devices restored (cached at %v), want 60 marked cached", rd.Fleet.Len(), rd.Fleet.CachedAt)
		}
		for _, d := range rd.Fleet.All() {
			w := was[d.DeviceID]
			if !d.MessageTime().Round(time.Millisecond).Equal(w.msg) || !d.FetchedAt.Equal(w.fetched) || d.Health(now) != w.health {
				t.Fatalf("%s restored with message at %v read at %v (%v), want %v read at %v (%v)",
					d.DeviceID, d.MessageTime(), d.FetchedAt, d.Health(now), w.msg, w.fetched, w.health)
			}
		}
	})
	nv.SetFocus(focus)
	eventually(t, "the open device's message and sparkline read from the database", func() bool {
		ok := false
		next.Read(func(rd Reader) {
			d := rd.Fleet.Get(focus)
			ok = d.Latest != nil && d.Latest.Time().Round(time.Millisecond).Equal(was[focus].msg) &&
				d.History != nil && len(d.History.Keys()) > 0
		})
		return ok
	})
}

// refusing is a database that takes no write, as a full disk or another
// program holding the lock past the busy timeout would.
type refusing struct {
	store.Store
	mu     sync.Mutex
	writes int
}

var errRefused = errors.New("database or disk is full")

func (r *refusing) refuse() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes++
	return errRefused
}
func (r *refusing) PutDevices(context.Context, []store.Device) error { return r.refuse() }
func (r *refusing) Fold(context.Context, []store.Message) error      { return r.refuse() }
func (r *refusing) SetSetting(context.Context, string, []byte) error { return r.refuse() }
func (r *refusing) Setting(context.Context, string) ([]byte, bool, error) {
	return nil, false, nil
}
func (r *refusing) Restore(context.Context, func(store.Latest) error) error { return nil }
func (r *refusing) LatestMessage(context.Context, string) (store.Message, bool, error) {
	return store.Message{}, false, nil
}
func (r *refusing) Close() error { return nil }

// A database that refuses every write costs history rows only: every
// read still goes and is shown, and the views are told once, not at
// every batch.
func TestARefusingDatabaseLosesHistoryNotReads(t *testing.T) {
	r := newRig(t, 20, nil)
	r.e.Close()
	db := &refusing{}
	ledger, _ := state.NewLedger("", "", start, nil)
	o := api.Options{BaseURL: r.srv.URL, Key: "live-key", Wait: func(context.Context, time.Duration) error { return nil }}
	Hooks(ledger, nil, r.clock.Now)(&o)
	c, _ := api.New(o)
	e, err := New(Config{Client: c, Ledger: ledger, Now: r.clock.Now, DB: &state.DB{Store: db}, Spark: 10, Held: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	r.e = e
	v := e.Subscribe()
	e.Start()
	said := 0
	take := func() {
		for {
			select {
			case <-v.Changed():
				if c := v.Take(); c.SaveErr != nil {
					said++
					if !errors.Is(c.SaveErr, errRefused) {
						t.Errorf("said %q, not why", c.SaveErr)
					}
				}
			default:
				return
			}
		}
	}
	r.firstPass()
	eventually(t, "two batches refused", func() bool {
		take()
		db.mu.Lock()
		defer db.mu.Unlock()
		return db.writes >= 2
	})
	focus := r.lively(0)
	v.SetFocus(focus)
	from := r.clock.Now()
	r.run(30*time.Second, 500*time.Millisecond, take)
	var every time.Duration
	r.e.Read(func(rd Reader) { every = rd.Sched.FocusIntervalOf(focus, r.clock.Now()) })
	if n, want := r.readsOf(focus, from, r.clock.Now()), max(1, int(30*time.Second/every)-1); n < want {
		t.Fatalf("%d reads of the focused device in 30 s with the database refusing, want %d (one per %v)", n, want, every)
	}
	eventually(t, "the refusal said", func() bool { take(); return said > 0 })
	take()
	if said != 1 {
		t.Fatalf("the refusal was said %d times, want once", said)
	}
}
