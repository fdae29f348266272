package state

import (
	"fmt"
	"testing"
	"time"
)

// Ten devices queued a second apart apply the change 3 s after their
// write. Read back at the budget's pace they are all seen applied within
// a few reads of the last, each read at least the budget's gap after the
// one before; one device every Again (20 s) took 200 s.
func TestReadBacksGoAtTheBudgetsPace(t *testing.T) {
	for _, rate := range []float64{1, 0.5, 4} {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
			rb := &ReadBacks{Again: 20 * time.Second}
			applied := map[string]time.Time{}
			for i := range 10 {
				id := fmt.Sprintf("D%08d", i)
				queued := t0.Add(time.Duration(i) * time.Second)
				applied[id] = queued.Add(3 * time.Second)
				rb.Add(id, queued)
			}
			now := t0.Add(10 * time.Second) // the job finished sending
			var reads []time.Time
			for rb.Len() > 0 && len(reads) < 100 {
				id, wait := rb.Next(now, rate)
				if id == "" {
					if wait <= 0 {
						t.Fatalf("nothing to read and no wait at %v", now.Sub(t0))
					}
					now = now.Add(wait)
					continue
				}
				reads = append(reads, now)
				if !now.Before(applied[id]) {
					rb.Done(id)
				} else {
					rb.Retry(id, now)
				}
			}
			if rb.Len() != 0 {
				t.Fatalf("%d devices never seen applied after %d reads", rb.Len(), len(reads))
			}
			gap := Gap(rate)
			for i := 1; i < len(reads); i++ {
				if d := reads[i].Sub(reads[i-1]); d < gap {
					t.Fatalf("read %d went %v after the one before, under the budget's gap %v", i, d, gap)
				}
			}
			end := reads[len(reads)-1].Sub(t0)
			if want := 10*time.Second + 10*gap; len(reads) != 10 || end > want {
				t.Fatalf("%d reads, the last at %v: want 10 reads by %v", len(reads), end, want)
			}
		})
	}
}

// A device not applied when read is read again only after Again, while
// the others go at the budget's pace; a spent budget reads nothing.
func TestReadBacksReadADeviceAgainAfterAgain(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	rb := &ReadBacks{Again: 20 * time.Second}
	rb.Add("A", t0)
	if id, _ := rb.Next(t0, 1); id != "A" {
		t.Fatalf("first read: %q", id)
	}
	rb.Retry("A", t0)
	if id, wait := rb.Next(t0.Add(time.Second), 1); id != "" || wait != 19*time.Second {
		t.Fatalf("A read again %q after 1 s (wait %v), want a wait of 19 s", id, wait)
	}
	if id, wait := rb.Next(t0.Add(time.Hour), 0); id != "" || wait <= 0 {
		t.Fatalf("a spent budget read %q", id)
	}
}
