package pane

import (
	"fmt"
	"os/user"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
	"sqc/ui/look"
)

type inboxKeys struct {
	Ack, AckAll, ShowAcked, Expand, Filter key.Binding
}

func newInboxKeys() inboxKeys {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return inboxKeys{
		Ack:       b([]string{"x"}, "x", "acknowledge the entry (or fold) under the cursor"),
		AckAll:    b([]string{"X"}, "X", "acknowledge every entry shown"),
		ShowAcked: b([]string{"v"}, "v", "show or hide the acknowledged"),
		Expand:    b([]string{"space"}, "space", "open or close a fold"),
		Filter:    b([]string{"/"}, "/", "filter the entries"),
	}
}

// foldWithin and foldFrom fold entries of the same change that came
// close together into one row ("10,000 devices entered alarm"): a burst
// stays one line until opened.
const (
	foldWithin = time.Minute
	foldFrom   = 3
)

// inboxRow is one line of the pane: an entry, or a fold of n entries
// (shown[at:at+n]); a member is an entry of an open fold.
type inboxRow struct {
	at, n  int
	member bool
}

// InboxPane lists what changed in the fleet, newest first: every change
// of a device's state and every new alert, shared by every console of
// the engine, with who acknowledged it.
type InboxPane struct {
	sh   *Shared
	con  Console
	hist *HistoryPane
	who  string
	keys inboxKeys
	w, h int

	version   int64 // of the inbox the rows were built from
	all       []state.Transition
	shown     []state.Transition // those the filter and the acknowledged toggle let through
	rows      []inboxRow
	open      map[state.TransitionKey]bool // folds opened, by their newest entry
	showAcked bool
	filter    []string // lower-case words, AND-ed; !word negates
	cursor    int
	scroll    look.Scroller
}

// NewInboxPane builds the pane; hist is where enter opens a device at an
// entry's time; who is the name acknowledgements are recorded under
// ("" is the OS user).
func NewInboxPane(sh *Shared, con Console, hist *HistoryPane, who string) *InboxPane {
	if who == "" {
		if u, err := user.Current(); err == nil {
			who = u.Username
		}
	}
	return &InboxPane{sh: sh, con: con, hist: hist, who: who, keys: newInboxKeys(), open: map[state.TransitionKey]bool{}, version: -1}
}

func (p *InboxPane) Opens() look.Hint          { return look.Hint{B: p.sh.Keys.Inbox, Prio: 5} }
func (p *InboxPane) SetSize(w, h int)          { p.w, p.h = w, h }
func (p *InboxPane) Typing() bool              { return false }
func (p *InboxPane) Update(tea.Msg) tea.Cmd    { return nil }
func (p *InboxPane) Show(api.Device) tea.Cmd   { p.refresh(true); return nil }
func (p *InboxPane) inbox() *state.Inbox       { return p.sh.Eng.Inbox() }
func (p *InboxPane) ready() bool               { return p.sh.Eng != nil }
func (p *InboxPane) Rows() int                 { return len(p.rows) }
func (p *InboxPane) Shown() []state.Transition { return p.shown }

// refresh copies the entries again when the inbox moved (or force), and
// builds the rows: a copy and a pass per change, never per frame.
func (p *InboxPane) refresh(force bool) {
	if !p.ready() {
		return
	}
	if v := p.inbox().Version(); force || v != p.version {
		p.all, p.version = p.inbox().Snapshot()
		p.rebuild()
	}
}

func (p *InboxPane) rebuild() {
	p.shown = p.shown[:0]
	for _, t := range p.all {
		if (p.showAcked || !t.Acked()) && p.matches(&t) {
			p.shown = append(p.shown, t)
		}
	}
	p.rows = p.rows[:0]
	for i := 0; i < len(p.shown); {
		n := 1
		first := &p.shown[i]
		for i+n < len(p.shown) {
			t := &p.shown[i+n]
			if t.To != first.To || t.Event != first.Event || first.At.Sub(t.At) > foldWithin {
				break
			}
			n++
		}
		if n < foldFrom {
			for j := range n {
				p.rows = append(p.rows, inboxRow{at: i + j, n: 1})
			}
		} else {
			p.rows = append(p.rows, inboxRow{at: i, n: n})
			if p.open[first.Key()] {
				for j := range n {
					p.rows = append(p.rows, inboxRow{at: i + j, n: 1, member: true})
				}
			}
		}
		i += n
	}
	p.cursor = max(0, min(p.cursor, len(p.rows)-1))
}

func (p *InboxPane) matches(t *state.Transition) bool {
	if len(p.filter) == 0 {
		return true
	}
	hay := strings.ToLower(t.Device + " " + t.Name + " " + t.From.String() + " " + t.To.String() + " " + t.Text)
	for _, w := range p.filter {
		neg := strings.HasPrefix(w, "!") && len(w) > 1
		if strings.Contains(hay, strings.TrimPrefix(w, "!")) == neg {
			return false
		}
	}
	return true
}

// under is the entries of the row at the cursor: one, or a fold's.
func (p *InboxPane) under() []state.Transition {
	if p.cursor >= len(p.rows) {
		return nil
	}
	r := p.rows[p.cursor]
	return p.shown[r.at : r.at+r.n]
}

func (p *InboxPane) ack(ts []state.Transition) tea.Cmd {
	var keys []state.TransitionKey
	for i := range ts {
		if !ts[i].Acked() {
			keys = append(keys, ts[i].Key())
		}
	}
	if len(keys) == 0 {
		return nil
	}
	p.sh.Eng.Ack(keys, p.who)
	p.refresh(true)
	return p.con.Toast(fmt.Sprintf("acknowledged %s as %s", look.Plural(len(keys), "entry"), look.Clean(p.who)), false)
}

func (p *InboxPane) Key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	if !p.ready() {
		return false, nil
	}
	p.refresh(false)
	k, mv := p.keys, p.sh.Keys
	switch {
	case look.Matches(msg, mv.Up):
		p.cursor = max(0, p.cursor-1)
	case look.Matches(msg, mv.Down):
		p.cursor = min(len(p.rows)-1, p.cursor+1)
	case look.Matches(msg, mv.PageUp):
		p.cursor = max(0, p.cursor-max(1, p.listHeight()))
	case look.Matches(msg, mv.PageDown):
		p.cursor = max(0, min(len(p.rows)-1, p.cursor+max(1, p.listHeight())))
	case look.Matches(msg, mv.Top):
		p.cursor = 0
	case look.Matches(msg, mv.Bottom):
		p.cursor = max(0, len(p.rows)-1)
	case look.Matches(msg, k.Ack):
		return true, p.ack(p.under())
	case look.Matches(msg, k.AckAll):
		return true, p.ack(p.shown)
	case look.Matches(msg, k.ShowAcked):
		p.showAcked = !p.showAcked
		p.rebuild()
	case look.Matches(msg, k.Filter):
		p.askFilter()
	case look.Matches(msg, k.Expand):
		p.toggle()
	case look.Matches(msg, mv.Open):
		if p.cursor < len(p.rows) && p.rows[p.cursor].n > 1 {
			p.toggle()
			return true, nil
		}
		return true, p.openAt()
	default:
		return false, nil
	}
	return true, nil
}

func (p *InboxPane) toggle() {
	if p.cursor >= len(p.rows) || p.rows[p.cursor].n == 1 {
		return
	}
	k := p.shown[p.rows[p.cursor].at].Key()
	p.open[k] = !p.open[k]
	p.rebuild()
}

// openAt opens the device of the entry under the cursor in the history
// pane, around the time of the entry. The list's focus stays: seeking the
// device there would open its readings over the history once the list
// answers.
func (p *InboxPane) openAt() tea.Cmd {
	ts := p.under()
	if len(ts) != 1 {
		return nil
	}
	t := ts[0]
	d := p.sh.Fleet.Get(t.Device)
	if d == nil || p.hist == nil {
		return p.con.Toast(look.Clean(t.Device)+" is not in the device list any more", true)
	}
	p.con.ShowRight(p.hist)
	return p.hist.ShowAt(d.Device, t.At)
}

func (p *InboxPane) askFilter() {
	p.con.Ask(look.NewTextPrompt("Filter the inbox", []string{"Words over device, name, states and event, all must match; !word excludes."}, "filter", strings.Join(p.filter, " "),
		func(value string, ok bool) (tea.Cmd, error) {
			if ok {
				p.filter = strings.Fields(strings.ToLower(value))
				p.cursor = 0
				p.rebuild()
			}
			return nil, nil
		}))
}

func (p *InboxPane) listHeight() int { return p.h - 2 }

// View draws the rows on screen only: the cost is the pane's height,
// however many entries there are.
func (p *InboxPane) View() string {
	st := p.sh.St
	if !p.ready() {
		return st.Dim.Render("No inbox yet: it fills once the console reads the fleet.")
	}
	p.refresh(false)
	title := fmt.Sprintf("Inbox · %d unread", p.inbox().Unread())
	if p.showAcked {
		title += " · acknowledged shown"
	}
	if len(p.filter) > 0 {
		title += " · filter: " + strings.Join(p.filter, " ")
	}
	out := []string{look.Fit(st.Title.Render(title), p.w), ""}
	if len(p.rows) == 0 {
		msg := "Nothing changed since the console started."
		if len(p.all) > 0 {
			msg = "Nothing to show: v shows the acknowledged, / filters."
		}
		return strings.Join(append(out, st.Dim.Render(msg)), "\n")
	}
	p.scroll.Height, p.scroll.Total = max(1, p.listHeight()), len(p.rows)
	if p.cursor < p.scroll.Offset {
		p.scroll.Offset = p.cursor
	}
	if p.cursor >= p.scroll.Offset+p.scroll.Height {
		p.scroll.Offset = p.cursor - p.scroll.Height + 1
	}
	p.scroll.Clamp()
	for i := p.scroll.Offset; i < min(len(p.rows), p.scroll.Offset+p.scroll.Height); i++ {
		line := p.rowText(p.rows[i], i != p.cursor)
		if i == p.cursor {
			line = st.Selected.Render(look.Pad(line, p.w))
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// rowText is one row; styled is false for the row under the cursor,
// which is drawn in one style.
func (p *InboxPane) rowText(r inboxRow, styled bool) string {
	st := p.sh.St
	t := &p.shown[r.at]
	when := t.At.Local().Format("01-02 15:04")
	if r.n > 1 {
		mark := "▸"
		if p.open[t.Key()] {
			mark = "▾"
		}
		oldest := p.shown[r.at+r.n-1].At.Local().Format("15:04:05")
		return look.Fit(fmt.Sprintf("%s %s %s %s (since %s)", when, mark, look.Plural(r.n, "device"), change(t), oldest), p.w)
	}
	lead := ""
	if r.member {
		lead = "  "
	}
	read := "●"
	if t.Acked() {
		read = " "
	}
	line := fmt.Sprintf("%s%s %s %-9s %s %s", lead, when, read, t.Device, look.Pad(api.CleanCut(t.Name, 12), 12), fromTo(t))
	if t.Acked() {
		// who acknowledged comes before the event text, which may be cut
		ack := "  ✓ " + api.CleanCut(t.AckBy, 20)
		if styled {
			ack = st.Dim.Render(ack)
		}
		line += ack
	}
	if t.Text != "" {
		line += "  " + api.CleanCut(t.Text, 80)
	}
	if styled && t.To == state.HealthAlarm && !t.Acked() {
		return st.ErrText.Render(look.Fit(line, p.w))
	}
	return look.Fit(line, p.w)
}

// change is what a fold's devices did: "entered alarm", or a new event
// while they stayed in their state.
func change(t *state.Transition) string {
	if t.Event {
		return "sent a new alert event (still " + t.To.String() + ")"
	}
	return "entered " + t.To.String()
}

func fromTo(t *state.Transition) string {
	if t.Event {
		return "event (" + t.To.String() + ")"
	}
	return t.From.String() + " → " + t.To.String()
}

func (p *InboxPane) Hints() []look.Hint {
	k := p.keys
	return []look.Hint{look.KeyHint(p.sh.Keys.Open, 4), look.KeyHint(k.Ack, 4), look.KeyHint(k.AckAll, 3), look.KeyHint(k.ShowAcked, 2), look.KeyHint(k.Filter, 2)}
}

func (p *InboxPane) HelpGroups() []look.HelpGroup {
	k := p.keys
	return []look.HelpGroup{{Title: "Inbox", Keys: []key.Binding{p.sh.Keys.Inbox, p.sh.Keys.Open, k.Expand, k.Ack, k.AckAll, k.ShowAcked, k.Filter}}}
}
