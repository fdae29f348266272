package pane

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
	"sqc/ui/look"
)

// PaneHistory is where the history pane's answers go.
const PaneHistory ID = "history"

// askAbove is the fetch cost, in requests, from which the pane asks first.
const askAbove = 3

// historyRanges are the ranges one key each shows, keys 1 to 5.
var historyRanges = []struct {
	key  string
	name string
	dur  time.Duration
}{
	{"1", "1h", time.Hour}, {"2", "6h", 6 * time.Hour}, {"3", "24h", 24 * time.Hour},
	{"4", "7d", 7 * 24 * time.Hour}, {"5", "30d", 30 * 24 * time.Hour},
}

type historyKeys struct {
	Open, Ranges, Typed, UTC, Left, Right, ZoomIn, ZoomOut, PanLeft, PanRight, Fields, Cancel, Ticket, Copy, Mouse key.Binding
}

func newHistoryKeys() historyKeys {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return historyKeys{
		Open:     b([]string{"H"}, "H", "history"),
		Ranges:   b([]string{"1", "2", "3", "4", "5"}, "1-5", "1h 6h 24h 7d 30d"),
		Typed:    b([]string{":"}, ":", "type a range"),
		UTC:      b([]string{"u"}, "u", "UTC/local"),
		Left:     b([]string{"left"}, "←/→", "cursor"),
		Right:    b([]string{"right"}, "→", "cursor right"),
		ZoomIn:   b([]string{"+", "="}, "+/-", "zoom"),
		ZoomOut:  b([]string{"-", "_"}, "-", "zoom out"),
		PanLeft:  b([]string{"["}, "[/]", "pan"),
		PanRight: b([]string{"]"}, "]", "pan right"),
		Fields:   b([]string{"f"}, "f", "fields"),
		Cancel:   b([]string{"esc"}, "esc", "stop fetching (keeps what came) / back"),
		Ticket:   b([]string{"T"}, "T", "write a ticket (Markdown) of the device"),
		Copy:     b([]string{"y"}, "y", "copy the ticket's path"),
		// the mouse's, in help only: no key does it
		Mouse: b(nil, "click/wheel", "with the mouse on (M): a click in the chart moves the cursor there; the wheel zooms, up in and down out; shift+wheel (or sideways) pans"),
	}
}

// HistoryPane is a device's messages over a time range, as charts: what
// the database holds first, then only the spans missing, fetched a page
// at a time.
type HistoryPane struct {
	ctx  context.Context
	sh   *Shared
	con  Console
	keys historyKeys
	w, h int

	dev       api.Device
	rangeName string
	span      state.Span // the range asked for
	window    state.Span // the part of it on screen (zoom and pan)
	cursor    time.Time
	utc       bool
	storedTo  time.Time // what the database held up to was read: the live reads go on from it

	set *histSet // the messages, compact; never nil once loaded
	// chosen are the fields drawn, per device model, for the session
	chosen map[string][]string

	gen      int // a new range or device drops the answers of the last
	loading  bool
	fetching bool
	stopping bool
	progress fetchProgress
	note     string // what the last load or fetch said: why nothing is fetched, why it stopped
	errText  string

	picker    bool
	pickAt    int
	drawCache *historyFrame

	cfg        *ConfigPane // the config the ticket says, when it was read
	ticketPath string      // the last ticket written, for y
	offer      string      // a ticket just written, not yet offered to the console's y
}

// fetchProgress is what the pane shows of a fetch under way: copied from
// the fetch in the command, which owns it while a page is out.
type fetchProgress struct {
	requests, estimate, got int
}

// NewHistoryPane builds the history pane; ctx bounds its fetches.
// cfg is the config pane, whose config (when read) a ticket includes.
func NewHistoryPane(ctx context.Context, sh *Shared, con Console, cfg *ConfigPane) *HistoryPane {
	return &HistoryPane{ctx: ctx, sh: sh, con: con, cfg: cfg, keys: newHistoryKeys(), chosen: map[string][]string{}, rangeName: "24h", set: &histSet{}}
}

func (p *HistoryPane) Opens() look.Hint  { return look.Hint{B: p.keys.Open, Prio: 5} }
func (p *HistoryPane) SetSize(w, h int)  { p.w, p.h = w, h }
func (p *HistoryPane) Typing() bool      { return false }
func (p *HistoryPane) Device() string    { return p.dev.DeviceID }
func (p *HistoryPane) Range() state.Span { return p.span }

// Show opens the pane on d over the range it last showed (24 h at first).
func (p *HistoryPane) Show(d api.Device) tea.Cmd {
	p.dev = d
	p.picker = false
	span, err := state.ParseRange(p.rangeName, p.sh.Now(), p.loc())
	if err != nil {
		p.rangeName = "24h"
		span, _ = state.ParseRange(p.rangeName, p.sh.Now(), p.loc())
	}
	return p.load(span)
}

func (p *HistoryPane) loc() *time.Location {
	if p.utc {
		return time.UTC
	}
	return time.Local
}

// Answers addressed to the pane.
type (
	histLoadedMsg struct {
		gen  int
		set  *histSet
		have []state.Span
		err  error
	}
	histPageMsg struct {
		gen   int
		fetch *state.RangeFetch
		set   *histSet // the page's messages, packed in the command
		prog  fetchProgress
		err   error
	}
)

// load shows span: what the database holds of it, read off the screen's
// goroutine, then a fetch of what it lacks.
func (p *HistoryPane) load(span state.Span) tea.Cmd {
	p.gen++
	p.span, p.window, p.cursor, p.storedTo = span, span, span.To, span.To
	p.set, p.drawCache = &histSet{}, nil
	p.loading, p.fetching, p.stopping, p.note, p.errText = true, false, false, "", ""
	gen, db, id, ctx := p.gen, p.sh.Store(), p.dev.DeviceID, p.ctx
	return func() tea.Msg {
		msgs, have, err := state.StoredHistory(ctx, db, id, span)
		return Msg{To: PaneHistory, Msg: histLoadedMsg{gen: gen, set: newHistSet(msgs), have: have, err: err}}
	}
}

func (p *HistoryPane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case ticketWrittenMsg:
		return p.ticketDone(msg)
	case histLiveMsg:
		p.liveArrived(msg)
		return nil
	case histLoadedMsg:
		if msg.gen != p.gen {
			return nil
		}
		p.loading = false
		if msg.err != nil {
			p.errText = "could not read the stored history: " + msg.err.Error()
		}
		p.set, p.drawCache = msg.set, nil
		return p.planFetch(msg.have)
	case histPageMsg:
		if msg.gen != p.gen {
			return nil
		}
		p.progress = msg.prog
		if msg.set.Len() > 0 {
			p.set, p.drawCache = p.set.merge(msg.set), nil
		}
		if msg.err != nil {
			p.fetching = false
			if p.con.KeyRefused(msg.err, "The history fetched so far is kept.") {
				return nil
			}
			p.errText = "fetch stopped: " + msg.err.Error() + " (what came is kept; choose the range again to go on)"
			return nil
		}
		f := msg.fetch
		switch {
		case f.Done():
			p.fetching = false
			p.note = fmt.Sprintf("fetched %d messages in %d requests", f.Got, f.Requests)
			if f.Stopped != "" {
				p.note = f.Stopped
			}
			return nil
		case p.stopping:
			p.fetching, p.stopping = false, false
			p.note = fmt.Sprintf("fetch stopped after %d requests: %d messages kept; choose the range again to go on", f.Requests, f.Got)
			return nil
		}
		return p.nextPage(f)
	}
	return nil
}

// setMessages holds msgs (in any order), compactly.
func (p *HistoryPane) setMessages(msgs []api.DataMessage) {
	p.set, p.drawCache = newHistSet(msgs), nil
}

// planFetch starts the fetch of what the database lacks, asking first
// when it costs more than a few requests; a plan that cannot read data,
// or no key, spends nothing.
func (p *HistoryPane) planFetch(have []state.Span) tea.Cmd {
	switch {
	case !p.dev.CanReadData():
		p.note = fmt.Sprintf("a %s plan cannot read data: history needs a Trial or Hosted plan; showing what is stored", planName(p.dev.Plan))
		return nil
	case p.sh.Client == nil:
		p.note = "no key in use: showing what is stored"
		return nil
	}
	f := state.NewRangeFetch(p.dev.DeviceID, p.span, have, p.sh.Now(), p.interval())
	if f.Done() {
		p.note = "all of it was stored: nothing fetched"
		return nil
	}
	n := f.Estimate()
	if n <= askAbove {
		return p.startFetch(f)
	}
	gen := p.gen
	p.note = fmt.Sprintf("fetching would cost about %d requests", n)
	p.con.Ask(look.NewQuestion("Fetch history", []string{p.costLine(n)},
		fmt.Sprintf("Fetch %s of %s?", p.rangeName, p.dev.DeviceID), "fetch", "show what is stored",
		func(yes bool) tea.Cmd {
			if !yes || gen != p.gen {
				if gen == p.gen {
					p.note = "not fetched: showing what is stored"
				}
				return nil
			}
			return p.startFetch(f)
		}))
	return nil
}

// costLine says what n requests are of the day's budget left.
func (p *HistoryPane) costLine(n int) string {
	s := fmt.Sprintf("The missing spans cost about %d requests", n)
	if p.sh.Sched == nil || p.sh.Ledger == nil {
		return s + "."
	}
	daily := p.sh.Sched.Limits().Daily
	if daily <= 0 {
		return s + "."
	}
	left := daily - p.sh.Ledger.UsedToday(p.sh.Now())
	if left <= 0 {
		return s + fmt.Sprintf("; today's %d are used up.", daily)
	}
	return s + fmt.Sprintf(", %.1f%% of the %d left today.", 100*float64(n)/float64(left), left)
}

func planName(plan string) string {
	if plan == "" {
		return "device without a"
	}
	return plan
}

// interval is how often the device reports, from what is held: the
// fetch is bounded by it.
func (p *HistoryPane) interval() time.Duration {
	ts := p.set.ts
	if len(ts) < 3 {
		return 0
	}
	steps := make([]time.Duration, 0, len(ts)-1)
	for i := 1; i < len(ts); i++ {
		steps = append(steps, time.Duration(ts[i]-ts[i-1])*time.Millisecond)
	}
	slices.Sort(steps)
	return steps[len(steps)/2]
}

func (p *HistoryPane) startFetch(f *state.RangeFetch) tea.Cmd {
	p.fetching, p.stopping = true, false
	p.progress = fetchProgress{estimate: f.Estimate()}
	p.note = ""
	return p.nextPage(f)
}

// nextPage asks for one page and keeps it in the database, in the
// command: the screen goes on drawing meanwhile.
func (p *HistoryPane) nextPage(f *state.RangeFetch) tea.Cmd {
	gen, ctx, c, db, id, now := p.gen, p.ctx, p.sh.Client, p.sh.Store(), p.dev.DeviceID, p.sh.Now
	est := p.progress.estimate
	return func() tea.Msg {
		before := len(f.Covered)
		msgs, err := f.Next(ctx, c)
		if err == nil {
			err = state.KeepFetched(ctx, db, id, msgs, f.Covered[before:], now())
		}
		return Msg{To: PaneHistory, Msg: histPageMsg{gen: gen, fetch: f, set: newHistSet(msgs), err: err,
			prog: fetchProgress{requests: f.Requests, estimate: est, got: f.Got}}}
	}
}

func (p *HistoryPane) Key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := p.keys
	if p.picker {
		return p.pickerKey(msg)
	}
	switch {
	case look.Matches(msg, k.Cancel):
		if p.fetching {
			p.stopping = true
			p.note = "stopping after this page…"
			return true, nil
		}
		return false, nil
	case look.Matches(msg, k.Ranges):
		for _, r := range historyRanges {
			if msg.String() == r.key {
				p.rangeName = r.name
				return true, p.load(state.Span{From: p.sh.Now().Add(-r.dur), To: p.sh.Now()})
			}
		}
	case look.Matches(msg, k.Typed):
		p.askRange()
		return true, nil
	case look.Matches(msg, k.UTC):
		p.utc = !p.utc
		p.drawCache = nil
		return true, nil
	case look.Matches(msg, k.Left):
		p.step(-1)
		return true, nil
	case look.Matches(msg, k.Right):
		p.step(1)
		return true, nil
	case look.Matches(msg, k.ZoomIn):
		p.zoom(0.5)
		return true, nil
	case look.Matches(msg, k.ZoomOut):
		p.zoom(2)
		return true, nil
	case look.Matches(msg, k.PanLeft):
		p.pan(-p.window.Dur() / 2)
		return true, nil
	case look.Matches(msg, k.PanRight):
		p.pan(p.window.Dur() / 2)
		return true, nil
	case look.Matches(msg, k.Ticket):
		return true, p.Ticket(p.sh.Fleet.Get(p.dev.DeviceID))
	case look.Matches(msg, k.Copy) && p.ticketPath != "":
		return true, p.copyTicket()
	case look.Matches(msg, k.Fields):
		if len(p.set.fields) > 0 {
			p.picker, p.pickAt = true, 0
		}
		return true, nil
	}
	return false, nil
}

// askRange asks for a typed range; a wrong one keeps the dialog open with
// what was wrong, and what was typed.
func (p *HistoryPane) askRange() {
	zone, _ := p.sh.Now().In(p.loc()).Zone()
	p.con.Ask(look.NewTextPrompt("History range", []string{"In " + zone + ": 24h, -3h..now, 02:00..04:00, 2026-12-01 02:00..04:00"}, "range", p.rangeName,
		func(value string, ok bool) (tea.Cmd, error) {
			if !ok {
				return nil, nil
			}
			span, err := state.ParseRange(value, p.sh.Now(), p.loc())
			if err != nil {
				return nil, err
			}
			p.rangeName = value
			return p.load(span), nil
		}))
}

// step moves the cursor a column; past an edge the window follows.
func (p *HistoryPane) step(dir int) {
	cols := 60
	if p.drawCache != nil && p.drawCache.chart.Layout.Width > 0 {
		cols = p.drawCache.chart.Layout.Width
	}
	d := p.window.Dur() / time.Duration(cols)
	if d <= 0 {
		d = time.Second
	}
	t := p.cursor.Add(time.Duration(dir) * d)
	if t.Before(p.span.From) {
		t = p.span.From
	}
	if t.After(p.span.To) {
		t = p.span.To
	}
	p.cursor = t
	if t.Before(p.window.From) {
		p.pan(t.Sub(p.window.From))
	} else if t.After(p.window.To) {
		p.pan(t.Sub(p.window.To))
	}
}

// zoom scales the window by f around the cursor, within the range.
func (p *HistoryPane) zoom(f float64) {
	d := time.Duration(float64(p.window.Dur()) * f)
	d = max(d, time.Minute)
	if d >= p.span.Dur() {
		p.window = p.span
		p.drawCache = nil
		return
	}
	from := p.cursor.Add(-time.Duration(float64(d) * float64(p.cursor.Sub(p.window.From)) / float64(max(p.window.Dur(), 1))))
	p.window = state.Span{From: from, To: from.Add(d)}
	p.pan(0)
}

// pan shifts the window by d, kept within the range; the cursor stays on
// screen.
func (p *HistoryPane) pan(d time.Duration) {
	w := p.window.Dur()
	from := p.window.From.Add(d)
	if from.Before(p.span.From) {
		from = p.span.From
	}
	if from.Add(w).After(p.span.To) {
		from = p.span.To.Add(-w)
	}
	p.window = state.Span{From: from, To: from.Add(w)}
	if p.cursor.Before(p.window.From) {
		p.cursor = p.window.From
	}
	if p.cursor.After(p.window.To) {
		p.cursor = p.window.To
	}
	p.drawCache = nil
}

// shown are the fields drawn: the model's choice, else the three with
// the most values.
func (p *HistoryPane) shown() []histField {
	want, ok := p.chosen[p.dev.Model]
	var out []histField
	for _, f := range p.set.fields {
		if ok && slices.Contains(want, f.Key) || !ok && len(out) < 3 {
			out = append(out, f)
		}
	}
	return out
}

func (p *HistoryPane) pickerKey(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := p.sh.Keys
	switch {
	case look.Matches(msg, k.Up):
		p.pickAt = max(p.pickAt-1, 0)
	case look.Matches(msg, k.Down):
		p.pickAt = min(p.pickAt+1, len(p.set.fields)-1)
	case look.Matches(msg, k.Mark):
		cur := make([]string, 0, len(p.set.fields))
		for _, f := range p.shown() {
			cur = append(cur, f.Key)
		}
		key := p.set.fields[p.pickAt].Key
		if i := slices.Index(cur, key); i >= 0 {
			cur = slices.Delete(cur, i, i+1)
		} else {
			cur = append(cur, key)
		}
		sort.Strings(cur)
		p.chosen[p.dev.Model] = cur
		p.drawCache = nil
	case look.Matches(msg, k.Back, p.keys.Fields, k.Edit):
		p.picker = false
	}
	return true, nil
}

func (p *HistoryPane) Hints() []look.Hint {
	k := p.keys
	if p.picker {
		return []look.Hint{look.KeyHint(p.sh.Keys.Mark, 9), {B: k.Fields, Desc: "done", Prio: 8}}
	}
	hs := []look.Hint{look.KeyHint(k.Ranges, 9), look.KeyHint(k.Left, 8), look.KeyHint(k.ZoomIn, 7), look.KeyHint(k.PanLeft, 5),
		look.KeyHint(k.Fields, 6), look.KeyHint(k.Typed, 6), look.KeyHint(k.UTC, 4), look.KeyHint(k.Ticket, 5)}
	if p.fetching {
		hs = append(hs, look.Hint{B: k.Cancel, Desc: "stop fetching", Prio: 10})
	}
	return hs
}

func (p *HistoryPane) HelpGroups() []look.HelpGroup {
	k := p.keys
	return []look.HelpGroup{{Title: "History", Keys: []key.Binding{k.Open, k.Ranges, k.Typed, k.UTC, k.Left, k.ZoomIn, k.PanLeft, k.Fields, k.Cancel, k.Ticket, k.Copy, k.Mouse}}}
}
