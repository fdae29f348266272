package state

import (
	"testing"
	"time"

	"sqc/api/sim"
)

func benchFleet(b *testing.B, n int) (*Fleet, time.Time) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	f.SetDevices(sim.New(sim.Options{Devices: n, Key: "k", Now: func() time.Time { return now }}).Devices(), now)
	return f, now
}

// The state half of one filter keystroke over 10,000 devices: parse and apply.
func BenchmarkFilterApply10000(b *testing.B) {
	f, now := benchFleet(b, 10000)
	var dst []*Device
	b.ReportAllocs()
	for b.Loop() {
		flt, err := ParseFilter("pump group:north !state:offline")
		if err != nil {
			b.Fatal(err)
		}
		dst = flt.Apply(f.All(), now, dst)
	}
}

// Sorting 10,000 devices by state, as a data answer can make the list do.
func BenchmarkSortByState10000(b *testing.B) {
	f, now := benchFleet(b, 10000)
	devices := append([]*Device(nil), f.All()...)
	b.ReportAllocs()
	for b.Loop() {
		Sort(devices, ColState, false, now)
	}
}
