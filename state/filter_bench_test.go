package state

import "testing"

// A filter keystroke at 50,000 devices that widens the filter (a
// backspace, a new word that is not a longer one): every device is
// tested again.
func BenchmarkIndexRefilter(b *testing.B) {
	f, now := benchFleet(b, 50000)
	idx := NewIndex(ColState, false)
	idx.Reset(f.All(), now)
	var flts []*Filter
	for _, expr := range []string{"pum", "pu", "ump", "gen"} {
		flt, err := ParseFilter(expr)
		if err != nil {
			b.Fatal(err)
		}
		flts = append(flts, flt)
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		idx.SetFilter(flts[i%len(flts)], now)
		i++
	}
}
