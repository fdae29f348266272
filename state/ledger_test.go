package state

import (
	"testing"
	"time"

	"sqc/api"
)

func TestLedgerPersistsTodayAndRollsOver(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC)
	l, err := OpenLedger(dir, "sha256:abc", now)
	if err != nil {
		t.Fatal(err)
	}
	rem := 7
	for i := 0; i < 5; i++ {
		l.Record(api.Call{At: now, Status: 200})
	}
	l.Record(api.Call{At: now, Status: 429})
	l.Record(api.Call{At: now, Status: 200, DeviceID: "AAAAAAAA1", Remaining: &rem})
	if err := l.Snapshot().Save(); err != nil {
		t.Fatal(err)
	}
	again, _ := OpenLedger(dir, "sha256:abc", now.Add(time.Minute))
	if again.UsedToday(now) != 7 || again.RateLimited != 1 || again.Remaining["AAAAAAAA1"] != 7 {
		t.Fatalf("after a restart: used %d, 429s %d, remaining %v", again.UsedToday(now), again.RateLimited, again.Remaining)
	}
	other, _ := OpenLedger(dir, "sha256:def", now)
	if other.UsedToday(now) != 0 {
		t.Fatal("another key shares the count")
	}
	tomorrow, _ := OpenLedger(dir, "sha256:abc", now.Add(2*time.Hour))
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
