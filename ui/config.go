package ui

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
)

// configPane is one device's configuration as dotted keys and values,
// grouped by their first part, with the changes the user has staged. It
// sends nothing itself: `w` hands the changes to the write gate.
type configPane struct {
	sh  *shared
	con console
	ctx context.Context
	// profile names the account in the audit log; every paces the
	// read-backs of a write (Config.VerifyEvery).
	profile string
	every   time.Duration
	w, h    int

	dev     api.Device
	loading bool
	readErr error
	cfg     api.Config // as the device has it
	synced  bool
	readAt  time.Time
	triedAt time.Time // when a failed read was last tried again by itself

	keys    []string // every dotted key shown, staged new ones included
	cursor  int      // into keys
	offset  int      // first display row shown
	changes []state.Change
	undo    [][]state.Change

	editing   bool
	edit      textinput.Model
	editErr   string
	searching bool
	search    textinput.Model
	before    int // the cursor before a search, for esc

	// editorText is what came back from $EDITOR when it did not parse:
	// the next E opens it again, so nothing typed is lost.
	editorText string
	problem    string // the last thing that went wrong, shown until the next action
}

func newConfigPane(ctx context.Context, sh *shared, con console, profile string, every time.Duration) *configPane {
	p := &configPane{sh: sh, con: con, ctx: ctx, profile: profile, every: every, edit: newInput("", ""), search: newInput("search › ", "key")}
	return p
}

func (p *configPane) setSize(w, h int) {
	p.w, p.h = w, h
	p.edit.SetWidth(max(10, w-p.keyWidth()-6))
	p.search.SetWidth(max(10, w-12))
}

func (p *configPane) typing() bool { return p.editing || p.searching }

// open starts on a device: nothing is kept of another device but its
// draft on disk.
func (p *configPane) open(d api.Device) {
	if p.dev.DeviceID != d.DeviceID {
		*p = configPane{sh: p.sh, con: p.con, ctx: p.ctx, profile: p.profile, every: p.every, w: p.w, h: p.h, edit: p.edit, search: p.search}
	}
	p.dev, p.loading, p.readErr = d, true, nil
}

// loaded folds a read of the config.
func (p *configPane) loaded(resp *api.ConfigResponse, err error, at time.Time) {
	p.loading = false
	if err != nil {
		p.readErr = err
		return
	}
	p.readErr, p.cfg, p.synced, p.readAt = nil, resp.Config, resp.Synced, at
	p.changes = state.Rebase(p.cfg, p.changes)
	p.refreshKeys()
}

func (p *configPane) refreshKeys() {
	cur := p.currentKey()
	p.keys = p.cfg.Keys()
	for _, c := range p.changes {
		if c.Added {
			p.keys = append(p.keys, c.Key)
		}
	}
	sort.Strings(p.keys)
	p.keys = slices.Compact(p.keys)
	if i := slices.Index(p.keys, cur); i >= 0 {
		p.cursor = i
	}
	p.cursor = max(0, min(p.cursor, len(p.keys)-1))
	p.follow()
}

func (p *configPane) currentKey() string {
	if p.cursor < 0 || p.cursor >= len(p.keys) {
		return ""
	}
	return p.keys[p.cursor]
}

func (p *configPane) change(k string) (state.Change, bool) {
	for _, c := range p.changes {
		if c.Key == k {
			return c, true
		}
	}
	return state.Change{}, false
}

// queued is a value sent to the device and not seen applied yet.
func (p *configPane) queued(k string) (state.Change, bool) {
	w := p.sh.writes[p.dev.DeviceID]
	if w == nil || w.sending || !w.appliedAt.IsZero() || w.queuedAt.IsZero() {
		return state.Change{}, false
	}
	i := slices.IndexFunc(w.sent, func(c state.Change) bool { return c.Key == k })
	if i < 0 || state.Holds(p.cfg, w.sent[i:i+1]) {
		return state.Change{}, false
	}
	return w.sent[i], true
}

// value is what a key will be: the staged value, else the device's.
func (p *configPane) value(k string) any {
	if c, ok := p.change(k); ok {
		return c.New
	}
	v, _ := p.cfg.Get(k)
	return v
}

// stage records a change, remembers the staged set for undo and saves
// the draft.
func (p *configPane) stage(c state.Change) tea.Cmd {
	p.undo = append(p.undo, slices.Clone(p.changes))
	p.changes = state.Stage(p.changes, c)
	p.problem = ""
	p.refreshKeys()
	return p.saveDraft()
}

// replace stages a whole new set of changes (from the editor).
func (p *configPane) replace(cs []state.Change) tea.Cmd {
	p.undo = append(p.undo, slices.Clone(p.changes))
	p.changes = cs
	p.refreshKeys()
	return p.saveDraft()
}

// saveDraft writes the draft now, not in a command: two commands may run
// in either order and leave an older draft on disk.
func (p *configPane) saveDraft() tea.Cmd {
	if p.sh.stateDir == "" { // the demo keeps nothing
		return nil
	}
	d := state.Draft{DeviceID: p.dev.DeviceID, SavedAt: p.sh.now(), Changes: slices.Clone(p.changes)}
	if err := p.sh.saveDraft(d); err != nil {
		return say("could not save the draft: "+err.Error(), true)
	}
	return nil
}

func (p *configPane) key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	switch {
	case p.editing:
		return true, p.editKey(msg)
	case p.searching:
		return true, p.searchKey(msg)
	}
	k := p.sh.keys
	writes := matches(msg, k.Edit, k.AddKey, k.Editor, k.Undo, k.Write)
	if writes && p.sh.readOnly {
		return true, say(state.ErrReadOnly.Error(), true)
	}
	if writes && p.cfg == nil {
		return true, say("the config has not been read yet", true)
	}
	switch {
	case matches(msg, k.Up):
		p.move(-1)
	case matches(msg, k.Down):
		p.move(1)
	case matches(msg, k.PageUp):
		p.move(-max(1, p.rowsHeight()-1))
	case matches(msg, k.PageDown):
		p.move(max(1, p.rowsHeight()-1))
	case matches(msg, k.Top):
		p.move(-len(p.keys))
	case matches(msg, k.Bottom):
		p.move(len(p.keys))
	case matches(msg, k.Search):
		p.searching, p.before = true, p.cursor
		p.search.SetValue("")
		return true, p.search.Focus()
	case matches(msg, k.Edit):
		kk := p.currentKey()
		if kk == "" {
			return true, nil
		}
		p.editing, p.editErr = true, ""
		p.edit.Prompt = ""
		v := p.value(kk)
		text := state.FormatValue(v)
		if s, ok := v.(string); ok {
			text = s // text is edited as it is, without JSON quotes
		}
		p.edit.SetValue(text)
		p.edit.CursorEnd()
		return true, p.edit.Focus()
	case matches(msg, k.Write):
		return true, p.askWrite()
	case matches(msg, k.AddKey):
		return true, p.askAddKey()
	case matches(msg, k.Editor):
		return true, p.runEditor()
	case matches(msg, k.Refresh):
		// the footer shows the console's r, and here it reads the config
		return true, p.costlyRead(p.dev, loadedAgain, "Read the config of "+p.dev.DeviceID+" again?")
	case matches(msg, k.Undo):
		if len(p.undo) == 0 {
			return true, say("nothing to undo", false)
		}
		p.changes = p.undo[len(p.undo)-1]
		p.undo = p.undo[:len(p.undo)-1]
		p.refreshKeys()
		return true, p.saveDraft()
	default:
		return false, nil
	}
	return true, nil
}

func (p *configPane) move(d int) {
	p.cursor = max(0, min(p.cursor+d, len(p.keys)-1))
	p.follow()
}

// rowOf is the display row of key i: keys and their group headings.
func (p *configPane) rowOf(i int) int {
	row, group := 0, ""
	for j, k := range p.keys[:min(i+1, len(p.keys))] {
		if g, _, _ := strings.Cut(k, "."); g != group {
			group = g
			row++
		}
		if j < i {
			row++
		}
	}
	return row
}

// follow scrolls so that the cursor's row is on screen.
func (p *configPane) follow() {
	row, height := p.rowOf(p.cursor), p.rowsHeight()
	if row < p.offset {
		p.offset = max(0, row-1) // with its group heading when it fits
	}
	if row >= p.offset+height {
		p.offset = row - height + 1
	}
}

func (p *configPane) editKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		p.editing, p.editErr = false, ""
		return nil
	case "enter":
		k := p.currentKey()
		old, had := p.cfg.Get(k)
		staged, isStaged := p.change(k)
		typed := old
		if !had && isStaged {
			typed = staged.New // a new key keeps the type it was given
		}
		v, err := state.ParseValue(k, typed, p.edit.Value())
		if err != nil {
			p.editErr = err.Error() // refused inline; nothing staged, the text stays
			return nil
		}
		p.editing, p.editErr = false, ""
		return p.stage(state.Change{Key: k, Old: old, New: v, Added: !had})
	}
	var cmd tea.Cmd
	p.edit, cmd = p.edit.Update(msg)
	p.editErr = ""
	return cmd
}

func (p *configPane) searchKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		p.searching, p.cursor = false, p.before
		p.follow()
		return nil
	case "enter":
		p.searching = false
		return nil
	}
	var cmd tea.Cmd
	p.search, cmd = p.search.Update(msg)
	q := strings.ToLower(strings.TrimSpace(p.search.Value()))
	for i, k := range p.keys {
		if q != "" && strings.Contains(strings.ToLower(k), q) {
			p.cursor = i
			p.follow()
			break
		}
	}
	return cmd
}

func (p *configPane) paste(msg tea.PasteMsg) tea.Cmd {
	var cmd tea.Cmd
	switch {
	case p.editing:
		p.edit, cmd = p.edit.Update(msg)
	case p.searching:
		p.search, cmd = p.search.Update(msg)
	}
	return cmd
}

func (p *configPane) hints() []hint {
	k := p.sh.keys
	switch {
	case p.editing:
		return []hint{{b: key.NewBinding(key.WithHelp("enter", "stage")), prio: 9}, {b: key.NewBinding(key.WithHelp("esc", "drop")), prio: 9},
			{b: key.NewBinding(key.WithHelp("ctrl+u", "clear")), prio: 5}}
	case p.searching:
		return []hint{{b: key.NewBinding(key.WithHelp("enter", "keep")), prio: 9}, {b: key.NewBinding(key.WithHelp("esc", "back")), prio: 9}}
	}
	// the keys not offered are the pane's all the same: u with nothing
	// staged says so, and is not the console's quota
	out := []hint{h(k.Search, 6)}
	if p.sh.readOnly {
		return append(out, unoffered(k.Edit, k.AddKey, k.Editor, k.Undo, k.Write))
	}
	out = append(out, h(k.Edit, 8), h(k.AddKey, 4), h(k.Editor, 5))
	if len(p.changes) > 0 {
		return append(out, h(k.Write, 9), h(k.Undo, 7))
	}
	return append(out, unoffered(k.Write, k.Undo))
}

func (p *configPane) helpGroups() []helpGroup {
	k := p.sh.keys
	g := helpGroup{"config (c)", []key.Binding{k.Config, k.Search}}
	if !p.sh.readOnly {
		g.keys = append(g.keys, k.Edit, k.AddKey, k.Editor, k.Undo, k.Write)
	}
	return []helpGroup{g}
}

// keyWidth is the width of the key column: the longest key, within reason.
func (p *configPane) keyWidth() int {
	w := 12
	for _, k := range p.keys {
		w = max(w, len(k))
	}
	return min(w, max(12, p.w/2))
}

// header lines: what the pane shows, its state, and the staged changes.
func (p *configPane) headLines() []string {
	st := p.sh.st
	now := p.sh.now()
	d := p.dev
	lines := []string{fit(st.title.Render("Config · "+d.DeviceID)+"  "+clean(d.Name), p.w)}
	var facts []string
	w := p.sh.writes[d.DeviceID]
	switch {
	case p.loading:
		facts = append(facts, "reading…")
	case w != nil && w.waiting():
		// read before the write went: "synced" would be of the old values
		facts = append(facts, st.warn.Render("a change is queued"))
	case p.cfg != nil && p.synced:
		facts = append(facts, st.ok.Render("synced"))
	case p.cfg != nil:
		facts = append(facts, st.warn.Render("not synced: a change waits for the device"))
	}
	if !p.readAt.IsZero() {
		facts = append(facts, "read "+state.Ago(p.readAt, now)+" ago")
	}
	if n, ok := p.sh.gate.CallsLeft(d); ok {
		s := plural(n, "call") + " left this month"
		if n < 10 {
			s = st.warn.Render(s)
		}
		facts = append(facts, s)
	}
	lines = append(lines, fit(strings.Join(facts, " · "), p.w))
	if w != nil {
		lines = append(lines, w.lines(st, p.w, now)...)
	}
	if n := len(p.changes); n > 0 {
		kept := " · w write · u undo · kept as a draft"
		if !p.sh.keepsDrafts(p.dev.DeviceID) { // the demo, or the database failed: a quit loses it
			kept = " · w write · u undo · not saved as a draft"
		}
		lines = append(lines, fit(st.warn.Render(fmt.Sprintf("%s staged", plural(n, "change")))+st.dim.Render(kept), p.w))
	}
	problems := []string{p.problem}
	if p.readErr != nil {
		problems = append(problems, "could not read the config: "+p.readErr.Error())
	}
	for _, e := range problems {
		if e != "" {
			for _, l := range strings.Split(wrap(e, p.w), "\n") {
				lines = append(lines, st.errText.Render(l))
			}
		}
	}
	if p.searching {
		lines = append(lines, fit(p.search.View(), p.w))
	}
	return lines
}

func (p *configPane) rowsHeight() int { return rowsUnder(p.h, p.headLines()) }

// rowsUnder is the height the rows have under the head lines.
func rowsUnder(h int, head []string) int { return max(1, h-len(head)-1) }

func (p *configPane) view() string {
	st := p.sh.st
	head := p.headLines()
	var rows []string
	cursorRow := 0
	kw := p.keyWidth()
	group := ""
	for i, k := range p.keys {
		g, _, _ := strings.Cut(k, ".")
		if g != group {
			group = g
			rows = append(rows, st.header.Render(fit(clean(g), p.w)))
		}
		marker := "  "
		if i == p.cursor {
			marker, cursorRow = "▶ ", len(rows)
		}
		line := marker + pad(clean(k), kw) + " "
		vw := max(4, p.w-kw-3)
		c, staged := p.change(k)
		queued, isQueued := p.queued(k)
		switch {
		case i == p.cursor && p.editing:
			line += p.edit.View()
		case staged && c.Added:
			line += st.warn.Render(cut("(new) → "+state.FormatValue(c.New), vw))
		case staged:
			line += st.warn.Render(cut(state.FormatValue(c.Old)+" → "+state.FormatValue(c.New), vw))
		case isQueued:
			v, _ := p.cfg.Get(k)
			line += st.dim.Render(cut(state.FormatValue(v)+" → "+state.FormatValue(queued.New)+" queued", vw))
		default:
			v, _ := p.cfg.Get(k)
			line += cut(state.FormatValue(v), vw)
		}
		if i == p.cursor && !p.editing {
			line = st.title.Render(fit(line, p.w))
		}
		rows = append(rows, fit(line, p.w))
		if i == p.cursor && p.editing && p.editErr != "" {
			for _, l := range strings.Split(wrap(p.editErr, p.w-4), "\n") {
				rows = append(rows, "    "+st.errText.Render(l))
			}
		}
	}
	if len(p.keys) == 0 && !p.loading && p.readErr == nil {
		rows = append(rows, st.dim.Render("no settings"))
	}
	height := rowsUnder(p.h, head)
	off := max(0, min(p.offset, len(rows)-height))
	if cursorRow < off || cursorRow >= off+height { // a resize moved it away
		off = max(0, min(cursorRow-height/2, len(rows)-height))
	}
	end := min(len(rows), off+height)
	return strings.Join(head, "\n") + "\n\n" + strings.Join(rows[off:end], "\n")
}
