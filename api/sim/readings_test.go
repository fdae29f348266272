package sim

import (
	"bytes"
	"testing"
)

// The CAN frames kept per template are what drifting them for each report
// gives: the bus moves from report to report as before, for any report.
func TestCANDriftKeptPerTemplate(t *testing.T) {
	seen := 0
	for model, ts := range templatesByModel {
		for _, tm := range ts {
			for i, f := range tm.fields {
				if f.Key != "can1" && f.Key != "can2" {
					continue
				}
				seen++
				for _, k := range []int64{-300, -1, 0, 1, 7, 255, 256, 1000, 1 << 40} {
					if got, want := tm.can[i][byte(k)], driftCAN(f.Raw, k); !bytes.Equal(got, want) {
						t.Fatalf("%s %s %s report %d: %s, want %s", model, tm.name, f.Key, k, got, want)
					}
				}
				if bytes.Equal(tm.can[i][1], tm.can[i][2]) {
					t.Errorf("%s %s %s: the bus does not move between reports", model, tm.name, f.Key)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("no template has a CAN field")
	}
}
