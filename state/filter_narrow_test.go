package state

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// A filter typed key by key, taken back, and typed again with negations
// and fields, with answers and the clock moving between keys: after every
// key the list shows exactly what filtering the whole fleet would.
func TestIndexFilterTypedKeyByKey(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	n := 1500
	f := randomFleet(rng, n, now)
	x := NewIndex(ColState, false)
	x.Reset(f.All(), now)
	var typed []string
	for _, expr := range []string{"pump 1 group:n", "!pump 1", "state:ok pu", "!state:offline !pu", "d0 pump"} {
		for i := 1; i <= len(expr); i++ {
			typed = append(typed, expr[:i])
		}
		for i := len(expr) - 1; i >= 0; i-- {
			typed = append(typed, expr[:i])
		}
	}
	for step, expr := range typed {
		flt, err := ParseFilter(expr)
		if err != nil {
			continue // the list keeps the last good filter
		}
		d := f.All()[rng.IntN(n)]
		lvs := []int{-1, 10, 25, 30, 45}
		f.SetData(d.DeviceID, eventPage(t, now.Add(-time.Duration(rng.IntN(7200))*time.Second), lvs[rng.IntN(len(lvs))]), now)
		x.Update(d, now)
		now = now.Add(time.Duration(rng.IntN(600)) * time.Second)
		x.Tick(now)
		x.SetFilter(flt, now)
		all := append([]*Device(nil), f.All()...)
		Sort(all, ColState, false, now)
		want := flt.Apply(all, now, nil)
		if got := x.Rows(0, x.Len(), nil); ids(got) != ids(want) {
			t.Fatalf("step %d, filter %q: the list differs from the whole fleet filtered:\n got %.300s\nwant %.300s", step, expr, ids(got), ids(want))
		}
		for i, d := range want {
			if p := x.Pos(d.DeviceID); p != i {
				t.Fatalf("step %d, filter %q: %s is row %d, Pos says %d", step, expr, d.DeviceID, i, p)
			}
		}
	}
}

func TestFilterNarrows(t *testing.T) {
	for _, c := range []struct {
		old, next string
		narrows   bool
	}{
		{"", "p", true},
		{"p", "pu", true},
		{"pu", "p", false},
		{"pu", "", false},
		{"pump", "pump g", true},
		{"pump g", "pump group:m", false}, // a word is not a field
		{"group:m", "group:mar", true},
		{"!pump", "!pu", true},
		{"!pu", "!pum", false},
		{"state:ok", "state:ok pump", true},
		{"state:ok", "state:alarm", false},
		{"!state:ok", "state:ok", false},
		{"name:pu", "pump", false},
		{"pu", "!pu", false},
	} {
		t.Run(fmt.Sprintf("%q→%q", c.old, c.next), func(t *testing.T) {
			old, err := ParseFilter(c.old)
			if err != nil {
				t.Fatal(err)
			}
			next, err := ParseFilter(c.next)
			if err != nil {
				t.Fatal(err)
			}
			if got := next.Narrows(old); got != c.narrows {
				t.Fatalf("Narrows = %v, want %v", got, c.narrows)
			}
		})
	}
}
