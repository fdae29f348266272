package state

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sqc/api"
)

func TestLedgerPersistsTodayAndRollsOver(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC)
	l, err := NewLedger(dir, "sha256:abc", now.Add(-time.Hour), nil) // open long enough for a full pace window
	if err != nil {
		t.Fatal(err)
	}
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
	if left, _ := again.RemainingOf("AAAAAAAA1"); again.UsedToday(now) != 7 || again.RateLimitedToday(now) != 1 || left != 7 {
		t.Fatalf("after a restart: used %d, 429s %d, remaining %d", again.UsedToday(now), again.RateLimitedToday(now), left)
	}
	other, _ := NewLedger(dir, "sha256:def", now, nil)
	if other.UsedToday(now) != 0 {
		t.Fatal("another key shares the count")
	}
	tomorrow, _ := NewLedger(dir, "sha256:abc", now.Add(2*time.Hour), nil)
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

// Two consoles on one key and one machine: every save adds what that
// console counted since its last, under a file lock, so none is lost.
func TestTwoConsolesOnOneLedgerCountEveryCall(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	const calls = 400
	var wg sync.WaitGroup
	ledgers := make([]*Ledger, 2)
	for i := range ledgers {
		l, err := NewLedger(dir, "sha256:shared", now, nil)
		if err != nil {
			t.Fatal(err)
		}
		ledgers[i] = l
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
		go func() { // the console saving now and then, from a command
			defer wg.Done()
			for range calls / 20 {
				errs <- l.Save()
			}
		}()
	}
	wg.Wait()
	for _, l := range ledgers {
		if err := l.Save(); err != nil {
			t.Fatal(err)
		}
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	again, _ := NewLedger(dir, "sha256:shared", now, nil)
	if got := again.UsedToday(now); got != 2*calls {
		t.Fatalf("the file counts %d calls, the two consoles made %d", got, 2*calls)
	}
	if got := ledgers[1].UsedToday(now); got != 2*calls {
		t.Errorf("the last console to save sees %d calls, want both consoles' %d", got, 2*calls)
	}
	if ledgers[0].Dirty() || ledgers[1].Dirty() {
		t.Error("saved ledgers still dirty")
	}
}

func TestLedgerDiscardsValuesOutOfRange(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name, file    string
		used, limited int
		remaining     map[string]int
		logs          []string
	}{
		{"negative and absurd counts", `{"day":"2026-11-25","used":-1000000,"rateLimited":1e300,"month":"2026-11","remaining":{"AAAAAAAA1":7,"BBBBBBBB2":1e300,"CCCCCCCC3":-5,"DDDDDDDD4":51,"EEEEEEEE5":2.5,"bad id!":3}}`,
			0, 0, map[string]int{"AAAAAAAA1": 7}, []string{"used count out of range", "429 count out of range", "remaining count out of range", "bad device ID"}},
		{"a bad day", `{"day":"tomorrow","used":20,"rateLimited":1,"month":"2026-11","remaining":{"AAAAAAAA1":3}}`,
			0, 0, map[string]int{"AAAAAAAA1": 3}, []string{"bad day"}},
		{"a bad month", `{"day":"2026-11-25","used":20,"rateLimited":1,"month":"November","remaining":{"AAAAAAAA1":3}}`,
			20, 1, map[string]int{}, []string{"bad month"}},
		{"not JSON", `{"day":"2026-11-25","used":`, 0, 0, map[string]int{}, []string{"damaged file"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "quota-k.json"), []byte(c.file), 0o600); err != nil {
				t.Fatal(err)
			}
			var logged bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
			l, err := NewLedger(dir, "k", now, log)
			if err != nil {
				t.Fatal(err)
			}
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
			// The next save writes only sane values back.
			l.Sent(api.Call{At: now})
			if err := l.Save(); err != nil {
				t.Fatal(err)
			}
			again, _ := NewLedger(dir, "k", now, nil)
			if again.UsedToday(now) != c.used+1 {
				t.Errorf("after a save: used %d, want %d", again.UsedToday(now), c.used+1)
			}
		})
	}
}

func TestLedgerSaveMergesAcrossDays(t *testing.T) {
	t.Parallel()
	day1 := time.Date(2026, 11, 30, 23, 59, 0, 0, time.UTC)
	day2 := day1.Add(2 * time.Minute)
	got := merge(ledgerFile{Day: "2026-11-30", Used: 900, Month: "2026-11", Remaining: map[string]int{"AAAAAAAA1": 4}},
		ledgerFile{Day: dayOf(day2), Used: 3, Month: monthOf(day2), Remaining: map[string]int{"BBBBBBBB2": 50}})
	if got.Day != "2026-12-01" || got.Used != 3 || got.Month != "2026-12" || len(got.Remaining) != 1 {
		t.Errorf("a new day and month replace the old: %+v", got)
	}
	got = merge(ledgerFile{Day: "2026-11-30", Used: 900, Month: "2026-11", Remaining: map[string]int{"AAAAAAAA1": 4}},
		ledgerFile{Day: dayOf(day1), Used: 5, Month: monthOf(day1), Remaining: map[string]int{"AAAAAAAA1": 9, "BBBBBBBB2": 1}})
	if got.Used != 905 || got.Remaining["AAAAAAAA1"] != 4 || got.Remaining["BBBBBBBB2"] != 1 {
		t.Errorf("the same day adds up and the lowest remaining wins: %+v", got)
	}
	got = merge(ledgerFile{Day: "2026-12-01", Used: 7, Month: "2026-12"}, ledgerFile{Day: dayOf(day1), Used: 5, Month: monthOf(day1)})
	if got.Day != "2026-12-01" || got.Used != 7 {
		t.Errorf("yesterday's count does not overwrite today's: %+v", got)
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
