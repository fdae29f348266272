package live

import (
	"context"
	"testing"
	"time"

	"sqc/api"
	"sqc/state"
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
