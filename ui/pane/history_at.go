package pane

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
)

// historyAround is how much of a device's history opens around a moment
// picked elsewhere (an inbox entry): the hour before and after it.
const historyAround = time.Hour

// ShowAt opens the pane on d around at, its cursor on at: what led to a
// change and what came after, where the entry says it happened.
func (p *HistoryPane) ShowAt(d api.Device, at time.Time) tea.Cmd {
	p.dev = d
	p.picker = false
	now := p.sh.Now()
	span := state.Span{From: at.Add(-historyAround), To: earlier(now, at.Add(historyAround))}
	if !span.To.After(span.From) {
		span.To = span.From.Add(2 * historyAround)
	}
	// The range is named as typed, so the title says what is shown and a
	// range that reaches now follows it as a typed "..now" does.
	const f = "2006-01-02 15:04"
	p.rangeName = span.From.In(p.loc()).Format(f) + ".." + span.To.In(p.loc()).Format(f)
	if span.To.Equal(now) {
		p.rangeName = span.From.In(p.loc()).Format(f) + "..now"
	}
	cmd := p.load(span)
	p.cursor = at
	return cmd
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
