package state

import (
	"context"
	"testing"
	"time"

	"sqc/api"
)

// waitFor polls a condition the ledger's writer reaches on its own.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
	}
}

// A console at its budget sends a request every few milliseconds: the
// counts that follow a write are gathered for the writer's window into
// one transaction instead of one each, today's figure counts them all
// meanwhile, and Close writes what the window still held.
func TestLedgerGathersASteadyStreamIntoOneWrite(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	db := &failing{Store: memDB(t)}
	l, err := OpenLedger(db, "k", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.every = time.Hour
	l.Sent(api.Call{At: now})
	waitFor(t, "the first count written at once", func() bool { return db.writes.Load() == 1 })
	for i := range 50 {
		l.Sent(api.Call{At: now.Add(time.Duration(i+1) * 20 * time.Millisecond)})
		time.Sleep(2 * time.Millisecond) // a request's round trip
	}
	if n := db.writes.Load(); n != 1 {
		t.Errorf("%d writes for a stream of 51 requests inside one window, want 1", n)
	}
	if got := l.UsedToday(now); got != 51 || !l.Dirty() {
		t.Errorf("while gathering: used %d (dirty %v), want 51 counted and waiting", got, l.Dirty())
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if u, _ := db.Usage(context.Background(), "k", now); u.Used != 51 || db.writes.Load() != 2 {
		t.Fatalf("after Close: %d counted in %d writes, want 51 in 2", u.Used, db.writes.Load())
	}
}

// The writer keeps writing while the process lives: a count is on disk
// within the window without a Save.
func TestLedgerWritesEachWindowWithoutASave(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	db := &failing{Store: memDB(t)}
	l, err := OpenLedger(db, "k", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.every = 5 * time.Millisecond
	for i := range 30 {
		l.Sent(api.Call{At: now.Add(time.Duration(i) * time.Millisecond)})
	}
	waitFor(t, "every count on disk", func() bool {
		u, _ := db.Usage(context.Background(), "k", now)
		return u.Used == 30
	})
	waitFor(t, "nothing left to write", func() bool { return !l.Dirty() })
	if got := l.UsedToday(now); got != 30 {
		t.Errorf("after the writes: used %d, want 30", got)
	}
}
