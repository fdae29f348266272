package state

import (
	"testing"
	"time"

	"sqc/api"
)

// The fields a history chart draws first: the most values, then those
// that move before flat ones, then power before the rest, as the
// readings show them.
func TestNumericFieldsPutWhatMovesAndPowerFirst(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	var msgs []api.DataMessage
	for i := range 10 {
		m := api.DataMessage{TS: float64(t0.Add(time.Duration(i) * time.Minute).Unix())}
		m.Fields = []api.Field{
			{Key: "accel_x", Kind: api.KindNumber, Num: 0.02},            // flat
			{Key: "ambient", Kind: api.KindNumber, Num: float64(20 + i)}, // environment, moves
			{Key: "vin", Kind: api.KindNumber, Num: float64(12 + i%3)},   // power, moves
			{Key: "mode", Kind: api.KindString, Raw: []byte(`"run"`)},
		}
		if i < 5 {
			m.Fields = append(m.Fields, api.Field{Key: "cp1", Kind: api.KindNumber, Num: float64(i)}) // fewer values
		}
		msgs = append(msgs, m)
	}
	var got []string
	for _, f := range NumericFields(msgs) {
		got = append(got, f.Key)
	}
	want := []string{"vin", "ambient", "accel_x", "cp1"}
	if len(got) != len(want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("fields %v, want %v", got, want)
		}
	}
}
