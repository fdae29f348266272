package live

import (
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
	"sqc/state"
)

// BenchmarkFirstPass is the console's first pass over a large fleet
// without its screen: the engine against the simulator over loopback on
// the real clock, from the first list to the last device's first answer.
// The simulator runs in the same process, as it shares the machine in
// the console's own measurement. It reports the pass against the
// physical limit (the fleet over the account's rate).
func BenchmarkFirstPass(b *testing.B) {
	const devices = 50000
	s := sim.New(sim.Options{Devices: devices, Seed: 1, Key: "bench-key", HostedFraction: 0.6})
	srv := httptest.NewServer(s)
	defer srv.Close()
	limit := float64(devices) / s.Limits().RatePerSecond
	for b.Loop() {
		ledger, _ := state.NewLedger("", "", time.Now(), nil)
		o := api.Options{BaseURL: srv.URL, Key: "bench-key"}
		Hooks(ledger, state.NewCallLog(), time.Now)(&o)
		c, err := api.New(o)
		if err != nil {
			b.Fatal(err)
		}
		e, err := New(Config{Client: c, Ledger: ledger, Gate: &state.Gate{Now: time.Now}, Spark: 10, Held: true})
		if err != nil {
			b.Fatal(err)
		}
		v := e.Subscribe()
		cpu0 := cpuTime()
		start := time.Now()
		e.Start()
		for done := false; !done; {
			<-v.Changed()
			v.Take()
			e.Read(func(rd Reader) { _, _, done = rd.Sched.Progress() })
		}
		took := time.Since(start)
		b.ReportMetric(float64(took.Milliseconds()), "pass-ms")
		b.ReportMetric(took.Seconds()/limit, "xN/R")
		// what the pass cost both cores, client and simulator: on a
		// loaded machine a steadier measure than the time it took
		b.ReportMetric((cpuTime() - cpu0).Seconds(), "cpu-s")
		e.Close()
	}
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
