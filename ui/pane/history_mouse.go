package pane

import (
	tea "charm.land/bubbletea/v2"
)

// headRows are the lines above the chart: the head and the status.
const headRows = 2

// Mouse takes a click or a wheel at (x, y) in the pane's own cells, with
// the mouse on: a click in the chart moves the cursor to the time under
// it; the wheel zooms in (up) and out (down) around the cursor, and
// sideways (or shift and the wheel) pans. false when it is not the
// chart's.
func (p *HistoryPane) Mouse(m tea.Mouse, wheel bool) (bool, tea.Cmd) {
	if p.picker || p.set.Len() == 0 {
		return false, nil
	}
	if p.drawCache == nil {
		_ = p.View() // what is under the pointer is what the screen shows
	}
	fr := p.drawCache
	if fr == nil {
		return false, nil
	}
	lay := fr.chart.Layout
	// the chart's lines, the marks and the cursor's line under them
	if m.Y < headRows || m.Y >= headRows+len(fr.chart.Lines)+2 {
		return false, nil
	}
	if wheel {
		switch {
		case m.Button == tea.MouseWheelLeft || m.Button == tea.MouseWheelUp && m.Mod.Contains(tea.ModShift):
			p.pan(-p.window.Dur() / 4)
		case m.Button == tea.MouseWheelRight || m.Button == tea.MouseWheelDown && m.Mod.Contains(tea.ModShift):
			p.pan(p.window.Dur() / 4)
		case m.Button == tea.MouseWheelUp:
			p.zoom(0.5)
		case m.Button == tea.MouseWheelDown:
			p.zoom(2)
		default:
			return false, nil
		}
		return true, nil
	}
	if m.Button != tea.MouseLeft || m.X < lay.Left || m.X >= lay.Left+lay.Width {
		return false, nil
	}
	from, to := lay.Span(m.X)
	t := from.Add(to.Sub(from) / 2)
	if t.Before(p.span.From) {
		t = p.span.From
	}
	if t.After(p.span.To) {
		t = p.span.To
	}
	p.cursor = t
	return true, nil
}
