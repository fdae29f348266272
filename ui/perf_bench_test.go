package ui

import (
	"fmt"
	"slices"
	"testing"
	"time"
	"unsafe"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state/live"
	"sqc/ui/look"
)

// One data answer through the console's Update at 50,000 devices, as the
// program delivers it: what it allocates is the answer's own work, never a
// copy of the model (model-B is what a copy would cost).
func BenchmarkUpdateData(b *testing.B) {
	const n = 50000
	m := benchModel(b, n)
	base := fixtureMessage(b)
	devs := m.sh.Fleet.All()
	pages := make([]*api.DataPage, 64)
	for i := range pages {
		pages[i] = &api.DataPage{Data: []api.DataMessage{messageAt(b, base, benchNow.Add(time.Duration(i+1)*time.Second), 20+float64(i%9))}}
	}
	var model tea.Model = m
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d := devs[(i*7919)%len(devs)]
		page := pages[(i/len(devs))%len(pages)]
		m.sh.View.Lock(func(live.Locked) { m.sh.Fleet.SetData(d.DeviceID, page, benchNow) }) // the engine's fold
		model, _ = model.Update(engineMsg{view: m.sh.View, c: live.Changes{Devices: map[string]struct{}{d.DeviceID: {}}}})
		i++
	}
	b.ReportMetric(float64(unsafe.Sizeof(*m)), "model-B")
}

// filterKeys are typed into the filter one at a time: a filter that grows
// key by key, then is taken back key by key, as a user corrects it.
var filterKeys = func() []tea.KeyPressMsg {
	var keys []tea.KeyPressMsg
	typed := "pump 1 group:n"
	for _, r := range typed {
		keys = append(keys, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	for range typed {
		keys = append(keys, tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	return keys
}()

// One filter keystroke at 50,000 devices until it is on screen: the key
// through Update, then the frame it asks for. p90-ms is the 90th
// percentile of one keystroke (target under 16 ms).
func BenchmarkFilterKey(b *testing.B) {
	const n = 50000
	m := benchModel(b, n)
	var model tea.Model = m
	model, _ = model.Update(tea.KeyPressMsg{Code: '/', Text: "/"})
	if !m.list.Filtering {
		b.Fatal("/ did not open the filter")
	}
	_ = model.View()
	var took []time.Duration
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		start := time.Now()
		model, _ = model.Update(filterKeys[i%len(filterKeys)])
		_ = model.View()
		took = append(took, time.Since(start))
		i++
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*9/10])/float64(time.Millisecond), "p90-ms")
	if got := m.list.FilterIn.Value(); i%len(filterKeys) == 0 && got != "" {
		b.Fatalf("the filter reads %q after as many backspaces as keys", got)
	}
}

// An idle second at 50,000 devices: the clock's tick, the frame tick it
// asks for and the frame drawn, with no answer arriving.
func BenchmarkIdleSecond(b *testing.B) {
	for _, n := range []int{60, 50000} {
		b.Run(fmt.Sprintf("devices=%d", n), func(b *testing.B) {
			m := benchModel(b, n)
			var model tea.Model = m
			_ = model.View()
			b.ReportAllocs()
			for b.Loop() {
				model, _ = model.Update(look.SecondMsg{})
				_ = model.View()
				model, _ = model.Update(frameMsg{})
				_ = model.View()
			}
		})
	}
}
