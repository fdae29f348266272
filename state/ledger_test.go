package state

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sqc/api"
	"sqc/state/store"
)

func TestLedgerPersistsTodayAndRollsOver(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC)
	l, err := NewLedger(dir, "sha256:abc", now.Add(-time.Hour), nil) // open long enough for a full pace window
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	rem := 7
	record := func(c api.Call) { l.Sent(c); l.Observe(c) }
	for i := 0; i < 5; i++ {
		record(api.Call{At: now, Status: 200})
	}
	record(api.Call{At: now, Status: 429})
	record(api.Call{At: now, Status: 200, DeviceID: "AAAAAAAA1", Remaining: &rem})
	if err := l.Save(); err != nil {
		t.Fatal(err)
	}
	again, _ := NewLedger(dir, "sha256:abc", now.Add(time.Minute), nil)
	defer again.Close()
	if left, _ := again.RemainingOf("AAAAAAAA1"); again.UsedToday(now) != 7 || again.RateLimitedToday(now) != 1 || left != 7 {
		t.Fatalf("after a restart: used %d, 429s %d, remaining %d", again.UsedToday(now), again.RateLimitedToday(now), left)
	}
	other, _ := NewLedger(dir, "sha256:def", now, nil)
	defer other.Close()
	if other.UsedToday(now) != 0 {
		t.Fatal("another key shares the count")
	}
	tomorrow, _ := NewLedger(dir, "sha256:abc", now.Add(2*time.Hour), nil)
	defer tomorrow.Close()
	if tomorrow.UsedToday(now.Add(2*time.Hour)) != 0 {
		t.Fatal("yesterday's count carried into today")
	}
	if p := l.Pace(now); p != 7*6 {
		t.Errorf("pace %v req/h, want 42 (7 calls in 10 minutes)", p)
	}
	if ex := l.Exhaustion(now, 100); !ex.IsZero() {
		t.Errorf("at 42 req/h, 93 left and an hour to the reset: exhaustion %v", ex)
	}
	if ex := l.Exhaustion(now, 20); ex.IsZero() || !ex.Before(api.NextReset(now)) {
		t.Errorf("13 left at 42 req/h: exhaustion %v, want before the reset", ex)
	}
}

func TestLedgerCountsAtSendAndObservesAnswers(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	l, _ := NewLedger("", "", now, nil)
	l.Sent(api.Call{At: now, Op: api.OpGetData, DeviceID: "AAAAAAAA1"})
	l.Sent(api.Call{At: now, Op: api.OpListDevices})
	if got := l.UsedToday(now); got != 2 {
		t.Fatalf("two requests sent, %d counted before any answer", got)
	}
	acct := &api.Error{Op: api.OpListDevices, Status: 429, RetryAfter: 7 * time.Second}
	l.Observe(api.Call{At: now, Op: api.OpListDevices, Status: 429, Err: acct})
	zero := 0
	monthly := &api.Error{Op: api.OpGetDevice, DeviceID: "AAAAAAAA1", Status: 429, Remaining: &zero}
	l.Observe(api.Call{At: now.Add(time.Second), Op: api.OpGetDevice, DeviceID: "AAAAAAAA1", Status: 429, Err: monthly, Remaining: &zero})
	if got := l.UsedToday(now); got != 2 {
		t.Errorf("answers changed the count to %d: only sending counts", got)
	}
	if got := l.RateLimitedToday(now); got != 2 {
		t.Errorf("429s today %d, want 2", got)
	}
	if at, ra := l.LastRateLimit(); !at.Equal(now) || ra != 7*time.Second {
		t.Errorf("the account's 429 at %v with %v; a device's monthly 429 must not hold the account", at, ra)
	}
	for _, bad := range []int{-1, 51, 1 << 40} {
		l.NoteRemaining("AAAAAAAA1", bad)
	}
	if n, ok := l.RemainingOf("AAAAAAAA1"); !ok || n != 0 {
		t.Errorf("remaining %d (%v) after out-of-range values, want the 0 observed", n, ok)
	}
}

func TestLedgerPaceIsRightInTheFirstMinutes(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	l, _ := NewLedger("", "", t0, nil)
	for i := range 60 {
		l.Sent(api.Call{At: t0.Add(time.Duration(i) * 2 * time.Second)})
	}
	if p := l.Pace(t0.Add(2 * time.Minute)); p != 1800 {
		t.Errorf("60 calls in the first 2 minutes: pace %v req/h, want 1800", p)
	}
	// A long run keeps only the last window, whether anyone reads the pace or not.
	for i := range 20000 {
		l.Sent(api.Call{At: t0.Add(time.Duration(i) * time.Second)})
	}
	if held := len(l.recent); held > 2*600+64 {
		t.Errorf("%d send times held for a 10-minute pace at 1/s", held)
	}
	end := t0.Add(19999 * time.Second)
	if p := l.Pace(end); p < 3590 || p > 3610 {
		t.Errorf("one call a second: pace %v req/h, want 3600", p)
	}
}

// Two processes on one key and one machine (two handles on the file):
// every count of each is in the database, with nothing merged, and each
// sees the other's after its next write.
func TestTwoProcessesOnOneLedgerCountEveryCall(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	const calls = 400
	path := store.Path(dir, "acme", "sha256:shared")
	var wg sync.WaitGroup
	ledgers := make([]*Ledger, 2)
	for i := range ledgers {
		db, _, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if ledgers[i], err = OpenLedger(db, "sha256:shared", now, nil); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, 4*calls)
	for _, l := range ledgers {
		wg.Add(2)
		go func() { // the client counting
			defer wg.Done()
			for i := range calls {
				l.Sent(api.Call{At: now.Add(time.Duration(i) * time.Millisecond)})
			}
		}()
		go func() { // the engine saving now and then
			defer wg.Done()
			for range calls / 20 {
				errs <- l.Save()
			}
		}()
	}
	wg.Wait()
	for _, l := range ledgers {
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	db, _, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if u, _ := db.Usage(context.Background(), "sha256:shared", now); u.Used != 2*calls {
		t.Fatalf("the database counts %d calls, the two processes made %d", u.Used, 2*calls)
	}
	if err := ledgers[0].refresh(false); err != nil {
		t.Fatal(err)
	}
	if got := ledgers[0].UsedToday(now); got != 2*calls {
		t.Errorf("a process sees %d calls after a read, want both processes' %d", got, 2*calls)
	}
	if ledgers[0].Dirty() || ledgers[1].Dirty() {
		t.Error("closed ledgers still hold counts not written")
	}
}

// An old ledger file with values that cannot be right is imported with
// the sane ones only, each dropped value said in the debug log; a file
// that is not JSON is set aside under a name that says so, and said.
func TestOldLedgerFileImportsOnlySaneValues(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name, file    string
		used, limited int
		remaining     map[string]int
		logs          []string
		aside         bool
	}{
		{"negative and absurd counts", `{"day":"2026-11-25","used":-1000000,"rateLimited":1e300,"month":"2026-11","remaining":{"AAAAAAAA1":7,"BBBBBBBB2":1e300,"CCCCCCCC3":-5,"DDDDDDDD4":51,"EEEEEEEE5":2.5,"bad id!":3}}`,
			0, 0, map[string]int{"AAAAAAAA1": 7}, []string{"used count out of range", "429 count out of range", "remaining count out of range", "bad device ID"}, false},
		{"a bad day", `{"day":"tomorrow","used":20,"rateLimited":1,"month":"2026-11","remaining":{"AAAAAAAA1":3}}`,
			0, 0, map[string]int{"AAAAAAAA1": 3}, []string{"bad day"}, false},
		{"a bad month", `{"day":"2026-11-25","used":20,"rateLimited":1,"month":"November","remaining":{"AAAAAAAA1":3}}`,
			20, 1, map[string]int{}, []string{"bad month"}, false},
		{"not JSON", `{"day":"2026-11-25","used":`, 0, 0, map[string]int{}, []string{"old file set aside"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "quota-k.json")
			if err := os.WriteFile(file, []byte(c.file), 0o600); err != nil {
				t.Fatal(err)
			}
			var logged bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
			db, err := OpenDB(dir, "acme", "k", now, log)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			l, err := OpenLedger(db, "k", now, log)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if l.UsedToday(now) != c.used || l.RateLimitedToday(now) != c.limited {
				t.Errorf("used %d, 429s %d; want %d, %d", l.UsedToday(now), l.RateLimitedToday(now), c.used, c.limited)
			}
			for _, id := range []string{"AAAAAAAA1", "BBBBBBBB2", "CCCCCCCC3", "DDDDDDDD4", "EEEEEEEE5", "bad id!"} {
				n, ok := l.RemainingOf(id)
				if want, wok := c.remaining[id]; ok != wok || n != want {
					t.Errorf("remaining of %s: %d (%v), want %d (%v)", id, n, ok, want, wok)
				}
			}
			for _, s := range c.logs {
				if !strings.Contains(logged.String(), s) {
					t.Errorf("no debug line saying %q in:\n%s", s, logged.String())
				}
			}
			kept := file + ImportedSuffix
			if c.aside {
				kept = file + DamagedSuffix
				if len(db.Notes) != 1 || !strings.Contains(db.Notes[0], file) || !strings.Contains(db.Notes[0], kept) {
					t.Errorf("the damaged file is not said by name and where it is kept: %q", db.Notes)
				}
			}
			if _, err := os.Stat(kept); err != nil {
				t.Errorf("the old file is not kept as %s: %v", kept, err)
			}
			if _, err := os.Stat(file); !os.IsNotExist(err) {
				t.Errorf("the old file is still where sqc would read it: %v", err)
			}
		})
	}
}

// Counts that straddle midnight, written in one batch, each go to their
// own day; today's count starts again at 0.
func TestLedgerBatchAcrossMidnightCountsEachDay(t *testing.T) {
	t.Parallel()
	db := memDB(t)
	day1 := time.Date(2026, 11, 30, 23, 59, 0, 0, time.UTC)
	day2 := day1.Add(2 * time.Minute)
	l, err := OpenLedger(db, "k", day1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.mu.Lock()
	l.closed = true // no writer: the three counts go in one batch
	l.mu.Unlock()
	l.Sent(api.Call{At: day1})
	l.Sent(api.Call{At: day1})
	l.Sent(api.Call{At: day2})
	if got := l.UsedToday(day2); got != 1 {
		t.Errorf("the new day counts %d, want 1", got)
	}
	if err := l.Save(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u1, _ := db.Usage(ctx, "k", day1)
	u2, _ := db.Usage(ctx, "k", day2)
	if u1.Used != 2 || u2.Used != 1 {
		t.Errorf("days counted %d and %d, want 2 and 1", u1.Used, u2.Used)
	}
}

func TestCallLogIsSafeAcrossGoroutines(t *testing.T) {
	t.Parallel()
	log := NewCallLog()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				log.Add(api.Call{Attempt: g*1000 + i})
			}
		}()
	}
	var page []api.Call
	for range 100 {
		page = log.Latest(0, 20, page[:0])
	}
	wg.Wait()
	if n := log.Len(); n != CallLogSize {
		t.Fatalf("the log holds %d calls after 1200, want its bound %d", n, CallLogSize)
	}
	var mine []int
	for _, c := range log.Latest(0, CallLogSize, nil) {
		if c.Attempt < 1000 {
			mine = append(mine, c.Attempt)
		}
	}
	for i := 1; i < len(mine); i++ {
		if mine[i] >= mine[i-1] {
			t.Fatalf("not newest first: %v", mine[:i+1])
		}
	}
	var zero CallLog
	zero.Add(api.Call{Attempt: 1})
	zero.Add(api.Call{Attempt: 2})
	if zero.Len() != 2 || zero.At(0).Attempt != 2 {
		t.Fatal("the zero CallLog does not keep calls newest first")
	}
}

// failing is a database whose ledger writes fail while down is set, as a
// full disk or a lock another process holds past the busy timeout.
type failing struct {
	store.Store
	down   atomic.Bool
	writes atomic.Int64
}

func (f *failing) CountBatch(ctx context.Context, cs []store.Calls) error {
	if f.down.Load() {
		return errors.New("database or disk is full")
	}
	f.writes.Add(1)
	return f.Store.CountBatch(ctx, cs)
}

// A database that cannot be written loses no count: the counts stay in
// memory (today's figure keeps them), Save says they wait, and they are
// all written once the database takes writes again.
func TestLedgerKeepsCountsWhileTheDatabaseFails(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	db := &failing{Store: memDB(t)}
	db.down.Store(true)
	l, err := OpenLedger(db, "k", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	rem := 9
	for i := range 500 {
		at := now.Add(time.Duration(i) * 10 * time.Millisecond)
		l.Sent(api.Call{At: at})
		if i == 100 {
			l.Observe(api.Call{At: at, Status: 429})
			l.Observe(api.Call{At: at, Status: 200, DeviceID: "AAAAAAAA1", Remaining: &rem})
		}
	}
	err = l.Save()
	if err == nil || !strings.Contains(err.Error(), "kept in memory") || !strings.Contains(err.Error(), "disk is full") {
		t.Fatalf("a failed write says %v", err)
	}
	if got := l.UsedToday(now); got != 500 || !l.Dirty() {
		t.Fatalf("while the database fails: used %d (dirty %v), want the 500 counted", got, l.Dirty())
	}
	db.down.Store(false)
	if err := l.Save(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u, _ := db.Usage(ctx, "k", now)
	m, _ := db.Remaining(ctx, now)
	if u.Used != 500 || u.RateLimited != 1 || m["AAAAAAAA1"].Remaining != 9 {
		t.Fatalf("after the database came back: %+v, %+v", u, m)
	}
	if got := l.UsedToday(now); got != 500 || l.Dirty() {
		t.Errorf("after the write: used %d (dirty %v)", got, l.Dirty())
	}
}

// Counting never waits on the disk: the counts of a burst go in a few
// durable batches, not one transaction a request.
func TestLedgerWritesInBatches(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	db := &failing{Store: memDB(t)}
	l, err := OpenLedger(db, "k", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	const calls = 20000
	for i := range calls {
		l.Sent(api.Call{At: now.Add(time.Duration(i) * time.Microsecond)})
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if u, _ := db.Usage(context.Background(), "k", now); u.Used != calls {
		t.Fatalf("%d counted, %d sent", u.Used, calls)
	}
	if n := db.writes.Load(); n > calls/10 {
		t.Errorf("%d writes for %d requests: the counts are not batched", n, calls)
	}
}

// BenchmarkLedgerSent is the cost of counting one request as it goes on
// the wire, with the database on a file (durable batches behind it).
func BenchmarkLedgerSent(b *testing.B) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	s, _, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	db := &failing{Store: s}
	l, err := OpenLedger(db, "k", now, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Sent(api.Call{At: now, DeviceID: "AAAAAAAA1"})
		}
	})
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/float64(max(1, db.writes.Load())), "requests/batch")
	if u, _ := s.Usage(context.Background(), "k", now); u.Used != b.N {
		b.Fatalf("%d counted of %d", u.Used, b.N)
	}
}

// Another process holding the database past the busy timeout: Save says
// what holds it and what to do, the counts wait in memory (today's figure
// keeps them), and once the lock is let go they are all written.
func TestLedgerWaitsOutADatabaseLockedByAnotherProcess(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "locked.db")
	db, _, err := store.Open(path, store.Options{BusyTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other, err := sql.Open("sqlite", path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lock, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	l, err := OpenLedger(db, "k", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for range 100 {
		l.Sent(api.Call{At: now})
	}
	err = l.Save()
	if err == nil || !strings.Contains(err.Error(), "another program has held it") || !strings.Contains(err.Error(), "kept in memory") {
		t.Fatalf("a locked database says %v", err)
	}
	if got := l.UsedToday(now); got != 100 {
		t.Fatalf("while locked: used %d, want 100", got)
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(); err != nil {
		t.Fatal(err)
	}
	if u, _ := db.Usage(context.Background(), "k", now); u.Used != 100 || l.Dirty() {
		t.Fatalf("after the lock: %+v (dirty %v)", u, l.Dirty())
	}
}
