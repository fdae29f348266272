package pane

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"sqc/api"
	"sqc/state"
	"sqc/ui/chart"
	"sqc/ui/look"
)

// historyFrame is the chart as last drawn: moving the cursor redraws only
// the lines under it, not 20,000 points.
type historyFrame struct {
	w, h   int
	chart  chart.Chart
	events []histEvent // in the window, in time order
	marks  string
}

// histEvent is an event and the time of the message that carried it.
type histEvent struct {
	t  time.Time
	ev api.Event
}

// rows splits the pane's height: the head, per field a title and its
// plot, the axis, the marks, cursor and values lines, the event list.
func (p *HistoryPane) rows(fields int) (plotH, eventRows int) {
	avail := p.h - 2 - 2 - 3
	eventRows = max(1, min(avail/4, 6))
	if fields == 0 {
		return 0, eventRows
	}
	plotH = max(1, (avail-eventRows-fields)/fields)
	return plotH, eventRows
}

func (p *HistoryPane) View() string {
	if p.dev.DeviceID == "" {
		return p.sh.St.Dim.Render("no device: H opens the history of the device in focus")
	}
	out := []string{p.head(), p.status()}
	if p.picker {
		return strings.Join(append(out, p.pickerLines()...), "\n")
	}
	shown := p.shown()
	if p.set.Len() == 0 || len(shown) == 0 {
		msg := "no messages stored in this range"
		if p.set.Len() > 0 {
			msg = "no numeric fields in this range: f picks fields"
		}
		if p.loading {
			msg = "reading what is stored…"
		}
		return strings.Join(append(out, p.sh.St.Dim.Render(msg)), "\n")
	}
	fr := p.frame(shown)
	out = append(out, fr.chart.Lines...)
	out = append(out, fr.marks, p.cursorLine(fr), p.valuesLine())
	_, evRows := p.rows(len(shown))
	out = append(out, p.eventLines(fr, evRows)...)
	for i := range out {
		out[i] = look.Fit(out[i], p.w)
	}
	if p.h > 0 && len(out) > p.h { // a pane too short for every part: the top stays
		out = out[:p.h]
	}
	return strings.Join(out, "\n")
}

func (p *HistoryPane) head() string {
	zone, _ := p.span.To.In(p.loc()).Zone()
	f := "2006-01-02 15:04"
	return p.sh.St.Title.Render("History "+p.dev.DeviceID) + p.sh.St.Dim.Render(fmt.Sprintf(" · %s · %s..%s %s · %d messages",
		p.rangeName, p.window.From.In(p.loc()).Format(f), p.window.To.In(p.loc()).Format(f), zone, p.set.Len()))
}

func (p *HistoryPane) status() string {
	st := p.sh.St
	switch {
	case p.errText != "":
		return st.Alarm.Render(p.errText)
	case p.fetching:
		pr := p.progress
		return st.Warn.Render(fmt.Sprintf("fetching: %d of about %d requests, %d messages · esc stops (keeps what came)", pr.requests, pr.estimate, pr.got))
	}
	return st.Dim.Render(p.note)
}

// frame is the chart of the window, drawn again only when the window,
// size, fields or messages changed.
func (p *HistoryPane) frame(shown []histField) *historyFrame {
	if fr := p.drawCache; fr != nil && fr.w == p.w && fr.h == p.h {
		return fr
	}
	plotH, _ := p.rows(len(shown))
	c := chart.Draw(series(shown, p.window), chart.Options{Width: p.w, Height: plotH, From: p.window.From, To: p.window.To, Loc: p.loc()})
	fr := &historyFrame{w: p.w, h: p.h, chart: c}
	fr.events = p.eventsIn(p.window)
	fr.marks = p.marks(fr)
	p.drawCache = fr
	return fr
}

func (p *HistoryPane) eventsIn(w state.Span) []histEvent {
	evs := p.set.events
	lo := sort.Search(len(evs), func(i int) bool { return !evs[i].t.Before(w.From) })
	hi := sort.Search(len(evs), func(i int) bool { return evs[i].t.After(w.To) })
	return evs[lo:max(lo, hi)]
}

// marks puts each event under the axis at its time, coloured by its
// level; a column with several shows the worst.
func (p *HistoryPane) marks(fr *historyFrame) string {
	lay := fr.chart.Layout
	worst := map[int]int{}
	for _, e := range fr.events {
		if col, ok := lay.Col(e.t); ok {
			if lv, seen := worst[col]; !seen || e.ev.Level > lv {
				worst[col] = e.ev.Level
			}
		}
	}
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", lay.Left))
	for col := lay.Left; col < lay.Left+lay.Width; col++ {
		lv, ok := worst[col]
		if !ok {
			b.WriteByte(' ')
			continue
		}
		b.WriteString(p.sh.St.Level(api.LevelClass(lv)).Render("◆"))
	}
	return strings.TrimRight(b.String(), " ")
}

// cursorLine points at the cursor's column and says its time.
func (p *HistoryPane) cursorLine(fr *historyFrame) string {
	col, ok := fr.chart.Layout.Col(p.cursor)
	if !ok {
		return ""
	}
	zone, _ := p.cursor.In(p.loc()).Zone()
	label := "▲ " + p.cursor.In(p.loc()).Format("2006-01-02 15:04:05") + " " + zone
	if col+len([]rune(label)) > p.w && col >= len([]rune(label))-1 {
		label = zone + " " + p.cursor.In(p.loc()).Format("2006-01-02 15:04:05") + " ▲"
		return strings.Repeat(" ", col-len([]rune(label))+1) + label
	}
	return strings.Repeat(" ", col) + label
}

// nearest is the index of the message nearest t, -1 when none.
func (p *HistoryPane) nearest(t time.Time) int {
	n := p.set.Len()
	if n == 0 {
		return -1
	}
	i := p.set.search(t)
	switch {
	case i == n:
		return i - 1
	case i > 0 && t.Sub(p.set.Time(i-1)) <= p.set.Time(i).Sub(t):
		return i - 1
	}
	return i
}

// CursorValues are the time of the message nearest the cursor and its
// numeric fields, as the values line shows them.
func (p *HistoryPane) CursorValues() (time.Time, []api.Field) {
	t, fs, _ := p.atCursor()
	return t, fs
}

// atCursor is the message nearest the cursor, decoded, and its numeric
// fields; nil when there is none.
func (p *HistoryPane) atCursor() (time.Time, []api.Field, *api.DataMessage) {
	i := p.nearest(p.cursor)
	if i < 0 {
		return time.Time{}, nil, nil
	}
	m := p.set.Message(i)
	if m == nil {
		return p.set.Time(i), nil, nil
	}
	var fs []api.Field
	for _, f := range m.Fields {
		if f.Kind == api.KindNumber && f.Key != "ts" && f.Key != "time" {
			fs = append(fs, f)
		}
	}
	return p.set.Time(i), fs, m
}

func (p *HistoryPane) valuesLine() string {
	t, fs, m := p.atCursor()
	if m == nil {
		return ""
	}
	parts := []string{t.In(p.loc()).Format("15:04:05")}
	for _, f := range fs {
		v := chart.Number(f.Num)
		if u := api.Unit(f.Key); u != "" {
			v += " " + u
		}
		parts = append(parts, look.Clean(f.Key)+" "+v)
	}
	// what is not plotted is listed: text values and the CAN frames
	for _, f := range m.Fields {
		if f.Kind == api.KindString {
			var text string
			if json.Unmarshal(f.Raw, &text) == nil {
				parts = append(parts, look.Clean(f.Key)+" "+strconv.Quote(look.Clean(text)))
			}
		}
	}
	if n := len(m.CAN1) + len(m.CAN2); n > 0 {
		parts = append(parts, fmt.Sprintf("CAN %d frames", n))
	}
	return strings.Join(parts, " · ")
}

// eventLines list the window's events, those nearest the cursor first in
// view, the nearest marked.
func (p *HistoryPane) eventLines(fr *historyFrame, n int) []string {
	st := p.sh.St
	if len(fr.events) == 0 {
		return []string{st.Dim.Render("no events in view")}
	}
	at := sort.Search(len(fr.events), func(i int) bool { return !fr.events[i].t.Before(p.cursor) })
	at = min(at, len(fr.events)-1)
	first := max(0, min(at-n/2, len(fr.events)-n))
	var out []string
	for i := first; i < min(first+n, len(fr.events)); i++ {
		e := fr.events[i]
		mark := "  "
		if i == at {
			mark = "› "
		}
		cls := e.ev.Class()
		out = append(out, mark+e.t.In(p.loc()).Format("01-02 15:04:05")+" "+st.Level(cls).Render(fmt.Sprintf("%-7s", cls))+" "+look.Clean(e.ev.Topic)+" "+look.Clean(e.ev.Msg))
	}
	return out
}

func (p *HistoryPane) pickerLines() []string {
	st := p.sh.St
	chosen := map[string]bool{}
	for _, f := range p.shown() {
		chosen[f.Key] = true
	}
	out := []string{st.Dim.Render("fields to chart (space toggles, f or esc done; kept for every " + look.Clean(p.dev.Model) + " this session):")}
	rows := max(p.h-3, 1)
	fields := p.set.fields
	first := max(0, min(p.pickAt-rows/2, len(fields)-rows))
	for i := first; i < min(first+rows, len(fields)); i++ {
		f := fields[i]
		box := "[ ]"
		if chosen[f.Key] {
			box = "[x]"
		}
		line := fmt.Sprintf("%s %s  %d values", box, look.Clean(f.Key), len(f.pts))
		if i == p.pickAt {
			line = st.Selected.Render(line)
		}
		out = append(out, line)
	}
	return out
}
