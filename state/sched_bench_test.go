package state

import (
	"fmt"
	"testing"
	"time"

	"sqc/api/sim"
)

// One answer of the live loop at fleet scale: Next until a read is given
// (advancing the fake clock by what Next says to wait), then its Done.
func BenchmarkNextDone(b *testing.B) {
	for _, n := range []int{10000, 50000} {
		b.Run(fmt.Sprintf("devices=%d", n), func(b *testing.B) {
			l, _ := NewLedger("", "", t0, nil)
			s := NewScheduler(l, 0.5)
			devices := sim.New(sim.Options{Devices: n, Key: "k", Now: func() time.Time { return t0 }}).Devices()
			s.SetDevices(devices, t0)
			var visible []string
			for _, d := range devices[:40] {
				visible = append(visible, d.DeviceID)
			}
			s.SetVisible(visible)
			s.SetFocus(devices[3].DeviceID, false)
			now := t0
			for _, _, done := s.Progress(); !done; _, _, done = s.Progress() {
				for _, r := range drain(s, now) {
					s.Done(r, now, nil)
				}
				now = now.Add(10 * time.Millisecond)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				for {
					r, ok, wait := s.Next(now)
					if ok {
						s.Done(r, now, nil)
						break
					}
					now = now.Add(max(wait, time.Millisecond))
				}
			}
		})
	}
}
