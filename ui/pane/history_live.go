package pane

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
)

// histLiveMsg is what the database holds of the device since the pane
// last looked: the messages the engine read (and kept) meanwhile.
type histLiveMsg struct {
	gen int
	set *histSet
	to  time.Time // the newest time read
}

// follows reports a range whose end is now: it moves with the clock and
// takes in the messages the engine reads while the pane is open.
func (p *HistoryPane) follows() bool {
	return p.dev.DeviceID != "" && state.RangeFollowsNow(p.rangeName)
}

// Arrived is the console telling the pane that the engine read device id
// anew. On a range that ends at now, the device's latest message joins
// the chart at once, and what the database has kept since the pane last
// looked (a read may bring several) is read off the screen's goroutine:
// nothing is fetched.
func (p *HistoryPane) Arrived(id string) tea.Cmd {
	if id != p.dev.DeviceID || !p.follows() || p.loading {
		return nil
	}
	p.follow(p.sh.Now())
	if d := p.sh.Fleet.Get(id); d != nil {
		if m := d.Message(); m != nil && !m.Time().Before(p.span.From) && !m.Time().After(p.span.To) {
			// the fleet replaces a message, never changes it: a copy of
			// the value is the pane's
			p.set, p.drawCache = p.set.merge(newHistSet([]api.DataMessage{*m})), nil
		}
	}
	gen, db, ctx, since, span := p.gen, p.sh.Store(), p.ctx, p.storedTo, p.span
	if db == nil {
		return nil
	}
	return func() tea.Msg {
		msgs, _, err := state.StoredHistory(ctx, db, id, state.Span{From: since, To: span.To})
		if err != nil || len(msgs) == 0 {
			return nil
		}
		return Msg{To: PaneHistory, Msg: histLiveMsg{gen: gen, set: newHistSet(msgs), to: msgs[len(msgs)-1].Time()}}
	}
}

func (p *HistoryPane) liveArrived(m histLiveMsg) {
	if m.gen != p.gen {
		return
	}
	if m.to.After(p.storedTo) {
		p.storedTo = m.to
	}
	p.set, p.drawCache = p.set.merge(m.set.since(p.span.From)), nil
}

// Tick moves a range that ends at now with the clock, once the clock has
// gone a column's time past its end: the chart is drawn again only then.
func (p *HistoryPane) Tick() {
	if !p.follows() || p.loading {
		return
	}
	now := p.sh.Now()
	col := p.span.Dur() / 100
	if fr := p.drawCache; fr != nil && fr.chart.Layout.Width > 0 {
		col = p.window.Dur() / time.Duration(fr.chart.Layout.Width)
	}
	if now.Sub(p.span.To) >= max(col, time.Second) {
		p.follow(now)
	}
}

// follow moves the range to end at now, its length kept. A window at the
// range's end (not panned back) and a cursor at the end go with it; what
// falls out of the range is let go.
func (p *HistoryPane) follow(now time.Time) {
	d := now.Sub(p.span.To)
	if d <= 0 {
		return
	}
	atEnd, cursorAtEnd := p.window.To.Equal(p.span.To), !p.cursor.Before(p.span.To)
	p.span = state.Span{From: p.span.From.Add(d), To: now}
	if atEnd {
		p.window = state.Span{From: p.window.From.Add(d), To: now}
	}
	if p.window.From.Before(p.span.From) {
		p.window.From = p.span.From
	}
	if cursorAtEnd {
		p.cursor = now
	}
	if p.cursor.Before(p.window.From) {
		p.cursor = p.window.From
	}
	p.set = p.set.since(p.span.From)
	p.drawCache = nil
}
