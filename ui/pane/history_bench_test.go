package pane

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
)

// weekPane is a history pane on a week of a device reporting every 30 s
// (20,160 messages), three numeric fields and an event an hour.
func weekPane(b *testing.B, w, h int) *HistoryPane {
	b.Helper()
	sh := newTestShared()
	sh.Now = func() time.Time { return histNow }
	p := NewHistoryPane(b.Context(), sh, &fakeConsole{}, nil)
	p.SetSize(w, h)
	p.dev = gridDevice
	from := histNow.Add(-7 * 24 * time.Hour)
	msgs := make([]api.DataMessage, 0, 20160)
	for i := range 20160 {
		t := from.Add(time.Duration(i) * 30 * time.Second)
		ev := ""
		if i%120 == 0 {
			ev = fmt.Sprintf(`,"events":[{"topic":"vin","msg":"supply low","lv":%d}]`, 10*(i/120%5))
		}
		js := fmt.Sprintf(`{"ts":%d,"vin":%.2f,"ambient":%.1f,"rpm":%d%s}`, t.Unix(), 12+float64(i%97)/10, 20+float64(i%300)/30, i%1800, ev)
		var m api.DataMessage
		if err := m.UnmarshalJSON([]byte(js)); err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	p.span = state.Span{From: from, To: histNow}
	p.window, p.cursor, p.rangeName = p.span, histNow.Add(-time.Hour), "7d"
	p.setMessages(msgs)
	return p
}

// A frame of a week's history, drawn from nothing (a new range or size).
func BenchmarkHistoryViewWeek(b *testing.B) {
	for _, sz := range [][2]int{{120, 40}, {80, 24}} {
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			p := weekPane(b, sz[0], sz[1])
			b.ReportAllocs()
			for b.Loop() {
				p.drawCache = nil
				_ = p.View()
			}
		})
	}
}

// A cursor step and the frame after it.
func BenchmarkHistoryCursorStep(b *testing.B) {
	p := weekPane(b, 120, 40)
	_ = p.View()
	left, right := tea.KeyPressMsg{Code: tea.KeyLeft}, tea.KeyPressMsg{Code: tea.KeyRight}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		k := left
		if i/50%2 == 1 {
			k = right
		}
		i++
		p.Key(k)
		_ = p.View()
	}
}

// The memory a week's pane holds once drawn: the heap that stays after
// a collection, all of it the pane's.
func BenchmarkHistoryPaneMemoryWeek(b *testing.B) {
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		p := weekPane(b, 120, 40)
		_ = p.View()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "MB-held")
		runtime.KeepAlive(p)
	}
}
