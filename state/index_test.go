package state

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"sqc/api"
)

// randomFleet is n devices with names that tie and numbers that need the
// natural order, seen at spread times, some never.
func randomFleet(rng *rand.Rand, n int, now time.Time) *Fleet {
	groups := []string{"North", "south", "Marine", "north"}
	plans := []string{"Hosted", "Trial", "None"}
	var list []api.Device
	for i := range n {
		seen := now.Add(-time.Duration(rng.IntN(3*24*3600)) * time.Second)
		if rng.IntN(10) == 0 {
			seen = time.Time{}
		}
		list = append(list, dev(fmt.Sprintf("D%08d", rng.IntN(1e8)+i), fmt.Sprintf("Pump %d", rng.IntN(n/3+1)),
			groups[rng.IntN(len(groups))], "QUAD-C2", plans[rng.IntN(len(plans))], seen))
	}
	f := NewFleet()
	f.SetDevices(list, now)
	return f
}

func ids(devices []*Device) string {
	var b strings.Builder
	for _, d := range devices {
		b.WriteString(d.DeviceID + " ")
	}
	return b.String()
}

// The index must show exactly what sorting and filtering the whole fleet
// again would, after every answer and every tick, in every column and
// direction, with a filter on the state that answers change.
func TestIndexAgreesWithAFullSortAfterEachAnswer(t *testing.T) {
	t.Parallel()
	for col := range numColumns {
		for _, desc := range []bool{false, true} {
			for _, expr := range []string{"", "state:alarm", "!state:ok pump", "group:north"} {
				t.Run(fmt.Sprintf("%v/desc=%v/%q", col, desc, expr), func(t *testing.T) {
					t.Parallel()
					checkIndexAgainstSort(t, col, desc, expr)
				})
			}
		}
	}
}

func checkIndexAgainstSort(t *testing.T, col Column, desc bool, expr string) {
	rng := rand.New(rand.NewPCG(uint64(col), 7))
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	n := 1500 // several chunks, so answers split and merge them
	f := randomFleet(rng, n, now)
	flt, err := ParseFilter(expr)
	if err != nil {
		t.Fatal(err)
	}
	x := NewIndex(ColID, false)
	x.Reset(f.All(), now)
	x.SetFilter(flt, now)
	x.SetSort(col, desc, now)
	want := func() []*Device {
		all := append([]*Device(nil), f.All()...)
		Sort(all, col, desc, now)
		return flt.Apply(all, now, nil)
	}
	for step := range 3000 {
		// Answers come for random devices; the clock moves on by up to a
		// minute, turning some devices stale or offline.
		d := f.All()[rng.IntN(n)]
		switch rng.IntN(4) {
		case 0:
			f.SetDataError(d.DeviceID, fmt.Errorf("boom"), now)
		default:
			lvs := []int{-1, 10, 25, 30, 45}
			f.SetData(d.DeviceID, eventPage(t, now.Add(-time.Duration(rng.IntN(7200))*time.Second), lvs[rng.IntN(len(lvs))]), now)
		}
		x.Update(d, now)
		now = now.Add(time.Duration(rng.IntN(60)) * time.Second)
		x.Tick(now)
		if step%100 != 0 && step != 2999 {
			continue
		}
		w := want()
		got := x.Rows(0, x.Len(), nil)
		if ids(got) != ids(w) {
			t.Fatalf("step %d: the index differs from a full sort:\n got %.300s\nwant %.300s", step, ids(got), ids(w))
		}
		for i, d := range w {
			if p := x.Pos(d.DeviceID); p != i || x.At(i) != d {
				t.Fatalf("step %d: %s is row %d, Pos says %d", step, d.DeviceID, i, p)
			}
		}
		// a screen's worth of rows somewhere in the list: Within agrees with Pos
		from := rng.IntN(max(1, len(w))) - 5
		for _, d := range f.All() {
			p := x.Pos(d.DeviceID)
			if in, want := x.Within(d.DeviceID, from, from+24), p >= 0 && p >= from && p < from+24; in != want {
				t.Fatalf("step %d: %s at row %d, rows %d-%d: Within says %v", step, d.DeviceID, p, from, from+24, in)
			}
		}
	}
}

func TestIndexTickMovesOnlyWhatTheClockChanged(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	f.SetDevices([]api.Device{
		dev("AAAAAAAA1", "a", "g", "m", "Hosted", now.Add(-29*time.Minute)),
		dev("BBBBBBBB2", "b", "g", "m", "Hosted", now),
		dev("CCCCCCCC3", "c", "g", "m", "Hosted", now),
	}, now)
	for _, id := range []string{"AAAAAAAA1", "BBBBBBBB2", "CCCCCCCC3"} {
		f.SetData(id, eventPage(t, f.Get(id).Seen(), -1), now)
	}
	x := NewIndex(ColState, false)
	x.Reset(f.All(), now)
	stale, _ := ParseFilter("state:stale")
	x.SetFilter(stale, now)
	if x.Len() != 0 {
		t.Fatalf("%d stale devices before any time passed", x.Len())
	}
	if n := x.Tick(now.Add(time.Minute)); n != 0 {
		t.Fatalf("a tick 1 min later moved %d devices; none turned stale", n)
	}
	if n := x.Tick(now.Add(time.Minute + time.Second)); n != 1 {
		t.Fatalf("a tick after 30 min moved %d devices, want the one that turned stale", n)
	}
	if x.Len() != 1 || x.At(0).DeviceID != "AAAAAAAA1" {
		t.Fatalf("state:stale shows %s", ids(x.Rows(0, x.Len(), nil)))
	}
	x.SetFilter(nil, now)
	// Stale ranks below fine devices? No: above them, below alarms.
	if got := ids(x.Rows(0, 3, nil)); got != "AAAAAAAA1 BBBBBBBB2 CCCCCCCC3 " {
		t.Fatalf("order %s", got)
	}
	if n := x.Tick(now.Add(25 * time.Hour)); n != 3 {
		t.Fatalf("a day later %d devices moved, want all 3 (offline)", n)
	}
}

func TestIndexRowsPosAndTies(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	var list []api.Device
	for i := 600; i > 0; i-- {
		list = append(list, dev(fmt.Sprintf("ID%07d", i), "Genset "+itoa(int64(i%12)), "g", "m", "Hosted", now))
	}
	f.SetDevices(list, now)
	x := NewIndex(ColName, false)
	x.Reset(f.All(), now)
	// Natural order of names, ties by ID.
	first := x.Rows(0, 3, nil)
	if got := ids(first); got != "ID0000012 ID0000024 ID0000036 " {
		t.Fatalf("first rows %s: Genset 0 by ID expected", got)
	}
	if d := x.At(50); d == nil || d.Name != "Genset 1" {
		t.Fatalf("row 50 is %v, want Genset 1 (after the 50 Genset 0s)", d)
	}
	rows := x.Rows(595, 700, nil)
	if len(rows) != 5 || rows[4].Name != "Genset 11" {
		t.Fatalf("rows past the end: %d, last %v", len(rows), rows)
	}
	if x.At(-1) != nil || x.At(600) != nil || x.Pos("NOPE") != -1 {
		t.Fatal("out of range answers something")
	}
	flt, _ := ParseFilter("!genset")
	x.SetFilter(flt, now)
	if x.Len() != 0 || x.Total() != 600 || x.Pos("ID0000012") != -1 {
		t.Fatalf("filtered: len %d total %d", x.Len(), x.Total())
	}
	x.SetFilter(nil, now)
	x.SetSort(ColName, true, now)
	if got := x.At(0); got.Name != "Genset 11" || got.DeviceID != "ID0000599" {
		t.Fatalf("reversed: first %s %s", got.DeviceID, got.Name)
	}
	if c, desc := x.Sort(); c != ColName || !desc {
		t.Fatal("Sort does not say what is in use")
	}
}

// The order list on its own: random inserts and removes against a sorted
// slice, so that splitting and merging chunks never loses an entry.
func TestOrderListKeepsEveryEntry(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	l := orderList{cmp: func(a, b *indexed) int { return strings.Compare(a.id, b.id) }}
	var ref []*indexed
	in := map[*indexed]bool{}
	var pool []*indexed
	for i := range 3000 {
		pool = append(pool, &indexed{id: fmt.Sprintf("%06d", rng.IntN(1e6)*10+i%10)})
	}
	// Random moves, then draining all but a few: small chunks must merge.
	for step := range 23000 {
		e := pool[rng.IntN(len(pool))]
		if step >= 20000 {
			e = pool[step-20000]
			if !in[e] || len(ref) < 10 {
				continue
			}
		}
		if in[e] {
			if !l.remove(e) {
				t.Fatalf("step %d: %s not found to remove", step, e.id)
			}
			i := slices.Index(ref, e)
			ref = slices.Delete(ref, i, i+1)
		} else {
			l.insert(e)
			i, _ := slices.BinarySearchFunc(ref, e, l.cmp)
			ref = slices.Insert(ref, i, e)
		}
		in[e] = !in[e]
		if step%500 == 0 || step < 50 || step > 22900 {
			if l.Len() != len(ref) {
				t.Fatalf("step %d: len %d, want %d", step, l.Len(), len(ref))
			}
			for i, e := range ref {
				if l.at(i) != e || l.pos(e) != i {
					t.Fatalf("step %d: entry %d misplaced", step, i)
				}
			}
			if max := len(ref)/(chunkLoad/4) + 2; len(l.chunks) > max {
				t.Fatalf("step %d: %d chunks for %d entries: small chunks are not merged", step, len(l.chunks), len(ref))
			}
		}
	}
}
