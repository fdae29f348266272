package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// A batch mixes keys, days either side of midnight and non-Hosted
// devices: each day's count of each key is the sum of its rows, each
// device's month counts its calls and keeps the lowest calls left.
func TestCountBatchSumsEachKeyAndDay(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	late := time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC)
	early := late.Add(2 * time.Second)
	five, three := 5, 3
	batch := []Calls{
		{Key: "k1", At: late, Sent: 3},
		{Key: "k1", At: late, Sent: 2, RateLimited: 1, DeviceID: "DEV1", Remaining: &five},
		{Key: "k1", At: late, Sent: 1, DeviceID: "DEV1", Remaining: &three},
		{Key: "k2", At: late, Sent: 7},
		{Key: "k1", At: early, Sent: 4, DeviceID: "DEV1"},
		{Key: "k1", At: early, DeviceID: "DEV2", Remaining: &five},
	}
	for range 2 {
		if err := s.CountBatch(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range []struct {
		key      string
		at       time.Time
		used, rl int
	}{{"k1", late, 12, 2}, {"k2", late, 14, 0}, {"k1", early, 8, 0}, {"k2", early, 0, 0}} {
		u, err := s.Usage(ctx, w.key, w.at)
		if err != nil || u.Used != w.used || u.RateLimited != w.rl {
			t.Errorf("%s on %s: %+v (%v), want %d used, %d rate-limited", w.key, dayKey(w.at), u, err, w.used, w.rl)
		}
	}
	nov, _ := s.Remaining(ctx, late)
	dec, _ := s.Remaining(ctx, early)
	if got := fmt.Sprint(nov["DEV1"], dec["DEV1"], dec["DEV2"]); got != "{6 3} {8 -1} {0 5}" {
		t.Errorf("devices' months (calls, remaining): %s", got)
	}
}

// BenchmarkCountBatchIdle is the ledger's write of half a second of an
// idle console at its budget: about twenty reads of non-Hosted devices.
func BenchmarkCountBatchIdle(b *testing.B) {
	s, _, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	at := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	rem := 30
	batch := []Calls{{Key: "k1", At: at, Sent: 4}}
	for i := range 20 {
		batch = append(batch, Calls{Key: "k1", At: at, Sent: 1, DeviceID: fmt.Sprintf("DEV%05d", i), Remaining: &rem})
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.CountBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
}
