package state

import (
	"fmt"
	"testing"
	"time"

	"sqc/api"
)

// watched50k is a fleet of 50,000 devices read once, and a watcher that
// has their baseline.
func watched50k(b *testing.B) (*Fleet, *Watcher, time.Time) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	devs := make([]api.Device, 50_000)
	for i := range devs {
		devs[i] = dev(fmt.Sprintf("D%08d", i), "n", "g", "m", "Hosted", now.Add(-time.Duration(i%600)*time.Second))
	}
	f.SetDevices(devs, now)
	page := eventPage(b, now.Add(-time.Minute), 10)
	for i := range devs {
		f.SetData(devs[i].DeviceID, page, now)
	}
	w := NewWatcher()
	for _, d := range f.All() {
		w.Observe(d, now)
	}
	return f, w, now
}

// The engine's tick at 50,000 devices when none turns: a look at the
// heap's top, not a scan of the fleet.
func BenchmarkWatcherTick50k(b *testing.B) {
	f, w, now := watched50k(b)
	b.ResetTimer()
	for b.Loop() {
		if len(w.Due(f, now.Add(time.Second))) != 0 {
			b.Fatal("a device turned")
		}
	}
}

// A device list folded at 50,000 devices: every device compared once.
func BenchmarkWatcherList50k(b *testing.B) {
	f, w, now := watched50k(b)
	b.ResetTimer()
	for b.Loop() {
		for _, d := range f.All() {
			w.Observe(d, now)
		}
	}
}
