package state

import (
	"os"
	"slices"
	"testing"
	"time"

	"sqc/api/sim"
)

// TestMeasureFreshnessAtTenThousand measures, on the simulator's fake
// clock, how far behind the picture of 10,000 devices is at the default
// share: the re-list interval, the delay from a report to its fold
// (median, 95th percentile) and the share of reads that brought news.
// It runs only when SQC_MEASURE is set: it makes some 100,000 requests.
func TestMeasureFreshnessAtTenThousand(t *testing.T) {
	if os.Getenv("SQC_MEASURE") == "" {
		t.Skip("set SQC_MEASURE=1 to measure")
	}
	r := newRig(t, sim.Options{Devices: 10000, HostedFraction: 1})
	r.run(5 * time.Minute)
	if _, _, done := r.sched.Progress(); !done {
		t.Fatal("first pass not done in 5 minutes")
	}
	from := r.clock.Now()
	r.run(15 * time.Minute)
	end := r.clock.Now()
	reads, news := r.background(from, end)
	var delays []time.Duration
	for _, rd := range reads {
		if rd.news {
			delays = append(delays, rd.done.Sub(rd.newest))
		}
	}
	slices.Sort(delays)
	if len(delays) == 0 {
		t.Fatal("nothing new read")
	}
	f := r.sched.Freshness(end)
	t.Logf("10,000 devices, share 50%%, budget %.1f req/s: re-list every %v; %d reads in 15 min, %d brought news (%.1f%%); report→fold median %v, p95 %v, worst %v; pane: %+v",
		r.sched.Rate(end), r.sched.listEvery(r.sched.Rate(end)), len(reads), news, 100*float64(news)/float64(len(reads)),
		delays[len(delays)/2], delays[len(delays)*95/100], delays[len(delays)-1], f)
}
