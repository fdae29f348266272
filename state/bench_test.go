package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"sqc/api"
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

// Sorting 10,000 devices by state, as the list did after every answer
// before the Index.
func BenchmarkSortByState10000(b *testing.B) {
	f, now := benchFleet(b, 10000)
	devices := append([]*Device(nil), f.All()...)
	b.ReportAllocs()
	for b.Loop() {
		Sort(devices, ColState, false, now)
	}
}

// One data answer folded into the fleet and the list's index sorted by
// state: the device's health changes with each answer, so it moves.
// Target under 50 µs, and 50,000 devices at most twice 10,000.
func BenchmarkFoldData(b *testing.B) {
	for _, n := range []int{10000, 50000} {
		b.Run(fmt.Sprintf("devices=%d", n), func(b *testing.B) {
			f, now := benchFleet(b, n)
			idx := NewIndex(ColState, false)
			idx.Reset(f.All(), now)
			var pages []*api.DataPage
			for _, lv := range []int{10, 30, 45, 20} {
				pages = append(pages, &api.DataPage{Data: []api.DataMessage{quadMessage(b, now.Add(-time.Minute), lv)}})
			}
			devices := f.All()
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				d := devices[(i*7919)%n]
				f.SetData(d.DeviceID, pages[i%len(pages)], now)
				idx.Update(d, now)
				i++
			}
		})
	}
}

// One filter keystroke on the index of 50,000 devices: parse and refilter
// in sort order, no sorting.
func BenchmarkIndexSetFilter(b *testing.B) {
	f, now := benchFleet(b, 50000)
	idx := NewIndex(ColState, false)
	idx.Reset(f.All(), now)
	exprs := []string{"pu", "pum", "pump", "pump g", "pump group:m", "pump group:m !state:offline"}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		flt, err := ParseFilter(exprs[i%len(exprs)])
		if err != nil {
			b.Fatal(err)
		}
		idx.SetFilter(flt, now)
		i++
	}
}

// The console's once-a-second tick over 50,000 devices sorted by state,
// the clock moving a second each time: only the devices that turn stale
// or offline in that second move.
func BenchmarkIndexTick(b *testing.B) {
	f, now := benchFleet(b, 50000)
	idx := NewIndex(ColState, false)
	idx.Reset(f.All(), now)
	moved := 0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Second)
		moved += idx.Tick(now)
	}
	b.ReportMetric(float64(moved)/float64(b.N), "moved/tick")
}

// fullFleet is n devices, each holding its latest QUAD-C2 message, each
// decoded separately as the answers would be, and each different (time,
// vin and the CAN frames that were all FF), so that the cache file does
// not compress better than a real fleet's.
func fullFleet(b *testing.B, n int) (*Fleet, time.Time) {
	f, now := benchFleet(b, n)
	base, err := quadMessage(b, now, 30).MarshalJSON()
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i, d := range f.All() {
		raw := bytes.Replace(base, []byte(`"vin":28.09`), []byte(`"vin":`+strconv.FormatFloat(20+rng.Float64()*10, 'f', 2, 64)), 1)
		raw = bytes.Replace(raw, []byte(`"ts":`+strconv.FormatInt(now.Unix(), 10)), []byte(`"ts":`+strconv.FormatInt(now.Unix()-int64(i%600), 10)), 1)
		raw = bytes.ReplaceAll(raw, []byte("FFFFFFFFFFFFFFFF"), []byte(fmt.Sprintf("%016X", rng.Uint64())))
		var m api.DataMessage
		if err := m.UnmarshalJSON(raw); err != nil {
			b.Fatal(err)
		}
		f.SetData(d.DeviceID, &api.DataPage{Data: []api.DataMessage{m}}, now)
	}
	return f, now
}

// The heap held by 50,000 devices, each with its latest QUAD-C2 message:
// target under 150 MB and 2 KB a device.
func BenchmarkHeap(b *testing.B) {
	b.Run("devices=50000", func(b *testing.B) {
		const n = 50000
		var f *Fleet
		var idx *Index
		for b.Loop() {
			f, idx = nil, nil
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			var now time.Time
			f, now = fullFleet(b, n)
			idx = NewIndex(ColState, false)
			idx.Reset(f.All(), now)
			runtime.GC()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			used := float64(after.HeapAlloc) - float64(before.HeapAlloc)
			b.ReportMetric(used/(1<<20), "heap-MB")
			b.ReportMetric(used/n, "B/device")
		}
		runtime.KeepAlive(f)
		runtime.KeepAlive(idx)
	})
}

// One device of a bulk change to 50,000 devices, as the console keeps it:
// the sending mark and the outcome, each saved before the console goes on.
func BenchmarkBulkStep50000(b *testing.B) {
	devs := make([]api.Device, 50000)
	for i := range devs {
		devs[i] = api.Device{DeviceID: fmt.Sprintf("D%08d", i), Name: "Pump station", Plan: api.PlanHosted}
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	j := NewBulkJob(fileDB(b, filepath.Join(b.TempDir(), "sqc.db")), "fp", "acme", []Change{{Key: "ambient.warning", New: json.Number("47")}}, devs, now)
	if err := j.Save(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		i, ok := j.Next()
		if !ok {
			b.Fatal("the job ran out")
		}
		j.Set(i, BulkSending, "", now)
		if err := j.Save(); err != nil {
			b.Fatal(err)
		}
		j.Set(i, BulkQueued, "Config update queued", now)
		if err := j.Save(); err != nil {
			b.Fatal(err)
		}
		_ = j.Count()
	}
}

// One device of a bulk change to 50,000 devices as the console's goroutine
// does it: the sending mark and the outcome taken for a later save, which
// a command writes (Flush, outside the timing) before the next write leaves.
func BenchmarkBulkStepLater50000(b *testing.B) {
	devs := make([]api.Device, 50000)
	for i := range devs {
		devs[i] = api.Device{DeviceID: fmt.Sprintf("D%08d", i), Name: "Pump station", Plan: api.PlanHosted}
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	j := NewBulkJob(fileDB(b, filepath.Join(b.TempDir(), "sqc.db")), "fp", "acme", []Change{{Key: "ambient.warning", New: json.Number("47")}}, devs, now)
	j.SaveLater()
	if err := j.Save(); err != nil {
		b.Fatal(err)
	}
	if err := j.Flush(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		i, ok := j.Next()
		if !ok {
			b.Fatal("the job ran out")
		}
		j.Set(i, BulkSending, "", now)
		_ = j.Save()
		b.StopTimer()
		if err := j.Flush(); err != nil { // a command's, before the write leaves
			b.Fatal(err)
		}
		b.StartTimer()
		j.Set(i, BulkQueued, "Config update queued", now)
		_ = j.Save()
		_ = j.Count()
	}
	if err := j.Flush(); err != nil {
		b.Fatal(err)
	}
}
