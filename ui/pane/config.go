package pane

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
	"sqc/ui/look"
)

// ConfigPane is one device's configuration as dotted keys and values,
// grouped by their first part, with the changes the user has staged. It
// sends nothing itself: `w` hands the changes to the write gate.
type ConfigPane struct {
	sh  *Shared
	con Console
	ctx context.Context
	// profile names the account in the audit log; every paces the
	// read-backs of a write (Config.VerifyEvery).
	profile string
	Every   time.Duration
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
	Changes []state.Change
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

func NewConfigPane(ctx context.Context, sh *Shared, con Console, profile string, every time.Duration) *ConfigPane {
	p := &ConfigPane{sh: sh, con: con, ctx: ctx, profile: profile, Every: every, edit: look.NewInput("", ""), search: look.NewInput("search › ", "key")}
	return p
}

func (p *ConfigPane) SetSize(w, h int) {
	p.w, p.h = w, h
	p.edit.SetWidth(max(10, w-p.keyWidth()-6))
	p.search.SetWidth(max(10, w-12))
}

func (p *ConfigPane) Typing() bool { return p.editing || p.searching }

// Open starts on a device: nothing is kept of another device but its
// draft on disk.
func (p *ConfigPane) Open(d api.Device) {
	if p.dev.DeviceID != d.DeviceID {
		*p = ConfigPane{sh: p.sh, con: p.con, ctx: p.ctx, profile: p.profile, Every: p.Every, w: p.w, h: p.h, edit: p.edit, search: p.search}
	}
	p.dev, p.loading, p.readErr = d, true, nil
}

// Loaded folds a read of the config.
func (p *ConfigPane) Loaded(resp *api.ConfigResponse, err error, at time.Time) {
	p.loading = false
	if err != nil {
		p.readErr = err
		return
	}
	p.readErr, p.cfg, p.synced, p.readAt = nil, resp.Config, resp.Synced, at
	p.Changes = state.Rebase(p.cfg, p.Changes)
	p.refreshKeys()
}

func (p *ConfigPane) refreshKeys() {
	cur := p.currentKey()
	p.keys = p.cfg.Keys()
	for _, c := range p.Changes {
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

func (p *ConfigPane) currentKey() string {
	if p.cursor < 0 || p.cursor >= len(p.keys) {
		return ""
	}
	return p.keys[p.cursor]
}

func (p *ConfigPane) change(k string) (state.Change, bool) {
	for _, c := range p.Changes {
		if c.Key == k {
			return c, true
		}
	}
	return state.Change{}, false
}

// queued is a value sent to the device and not seen applied yet.
func (p *ConfigPane) queued(k string) (state.Change, bool) {
	w := p.sh.Writes[p.dev.DeviceID]
	if w == nil || w.Sending || !w.appliedAt.IsZero() || w.queuedAt.IsZero() {
		return state.Change{}, false
	}
	i := slices.IndexFunc(w.Sent, func(c state.Change) bool { return c.Key == k })
	if i < 0 || state.Holds(p.cfg, w.Sent[i:i+1]) {
		return state.Change{}, false
	}
	return w.Sent[i], true
}

// value is what a key will be: the staged value, else the device's.
func (p *ConfigPane) value(k string) any {
	if c, ok := p.change(k); ok {
		return c.New
	}
	v, _ := p.cfg.Get(k)
	return v
}

// Stage records a change, remembers the staged set for undo and saves
// the draft.
func (p *ConfigPane) Stage(c state.Change) tea.Cmd {
	p.undo = append(p.undo, slices.Clone(p.Changes))
	p.Changes = state.Stage(p.Changes, c)
	p.problem = ""
	p.refreshKeys()
	return p.saveDraft()
}

// replace stages a whole new set of changes (from the editor).
func (p *ConfigPane) replace(cs []state.Change) tea.Cmd {
	p.undo = append(p.undo, slices.Clone(p.Changes))
	p.Changes = cs
	p.refreshKeys()
	return p.saveDraft()
}

// saveDraft keeps the draft, written in the command returned; the pane
// says it is kept once the disk has it.
func (p *ConfigPane) saveDraft() tea.Cmd {
	if p.sh.StateDir == "" { // the demo keeps nothing
		return nil
	}
	return p.sh.saveDraft(state.Draft{DeviceID: p.dev.DeviceID, SavedAt: p.sh.Now(), Changes: slices.Clone(p.Changes)})
}

func (p *ConfigPane) Key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	switch {
	case p.editing:
		return true, p.editKey(msg)
	case p.searching:
		return true, p.searchKey(msg)
	}
	k := p.sh.Keys
	writes := look.Matches(msg, k.Edit, k.AddKey, k.Editor, k.Undo, k.Write)
	if writes && p.sh.ReadOnly {
		return true, look.Say(state.ErrReadOnly.Error(), true)
	}
	if writes && p.cfg == nil {
		return true, look.Say("the config has not been read yet", true)
	}
	switch {
	case look.Matches(msg, k.Up):
		p.Move(-1)
	case look.Matches(msg, k.Down):
		p.Move(1)
	case look.Matches(msg, k.PageUp):
		p.Move(-max(1, p.RowsHeight()-1))
	case look.Matches(msg, k.PageDown):
		p.Move(max(1, p.RowsHeight()-1))
	case look.Matches(msg, k.Top):
		p.Move(-len(p.keys))
	case look.Matches(msg, k.Bottom):
		p.Move(len(p.keys))
	case look.Matches(msg, k.Search):
		p.searching, p.before = true, p.cursor
		p.search.SetValue("")
		return true, p.search.Focus()
	case look.Matches(msg, k.Edit):
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
		if note := p.collisionNote(kk); note != "" {
			return true, tea.Batch(p.edit.Focus(), look.Say(note, true))
		}
		return true, p.edit.Focus()
	case look.Matches(msg, k.Write):
		return true, p.askWrite()
	case look.Matches(msg, k.AddKey):
		return true, p.askAddKey()
	case look.Matches(msg, k.Editor):
		if p.sh.Remote {
			return true, look.Say("the editor (E) opens only in a local console: here enter edits a value, + adds a key", false)
		}
		return true, p.runEditor()
	case look.Matches(msg, k.Refresh):
		// the footer shows the console's r, and here it reads the config
		return true, p.costlyRead(p.dev, loadedAgain, "Read the config of "+p.dev.DeviceID+" again?")
	case look.Matches(msg, k.Undo):
		if len(p.undo) == 0 {
			return true, look.Say("nothing to undo", false)
		}
		p.Changes = p.undo[len(p.undo)-1]
		p.undo = p.undo[:len(p.undo)-1]
		p.refreshKeys()
		return true, p.saveDraft()
	default:
		return false, nil
	}
	return true, nil
}

func (p *ConfigPane) Move(d int) {
	p.cursor = max(0, min(p.cursor+d, len(p.keys)-1))
	p.follow()
}

// rowOf is the display row of key i: keys and their group headings.
func (p *ConfigPane) rowOf(i int) int {
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
func (p *ConfigPane) follow() {
	row, height := p.rowOf(p.cursor), p.RowsHeight()
	if row < p.offset {
		p.offset = max(0, row-1) // with its group heading when it fits
	}
	if row >= p.offset+height {
		p.offset = row - height + 1
	}
}

func (p *ConfigPane) editKey(msg tea.KeyPressMsg) tea.Cmd {
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
		return p.Stage(state.Change{Key: k, Old: old, New: v, Added: !had})
	}
	var cmd tea.Cmd
	p.edit, cmd = p.edit.Update(msg)
	p.editErr = ""
	return cmd
}

func (p *ConfigPane) searchKey(msg tea.KeyPressMsg) tea.Cmd {
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

func (p *ConfigPane) Paste(msg tea.PasteMsg) tea.Cmd {
	var cmd tea.Cmd
	switch {
	case p.editing:
		p.edit, cmd = p.edit.Update(msg)
	case p.searching:
		p.search, cmd = p.search.Update(msg)
	}
	return cmd
}

func (p *ConfigPane) Hints() []look.Hint {
	k := p.sh.Keys
	switch {
	case p.editing:
		return []look.Hint{{B: key.NewBinding(key.WithHelp("enter", "stage")), Prio: 9}, {B: key.NewBinding(key.WithHelp("esc", "drop")), Prio: 9},
			{B: key.NewBinding(key.WithHelp("ctrl+u", "clear")), Prio: 5}}
	case p.searching:
		return []look.Hint{{B: key.NewBinding(key.WithHelp("enter", "keep")), Prio: 9}, {B: key.NewBinding(key.WithHelp("esc", "back")), Prio: 9}}
	}
	// the keys not offered are the pane's all the same: u with nothing
	// staged says so, and is not the console's quota
	out := []look.Hint{look.KeyHint(k.Search, 6)}
	if p.sh.ReadOnly {
		return append(out, look.Unoffered(k.Edit, k.AddKey, k.Editor, k.Undo, k.Write))
	}
	out = append(out, look.KeyHint(k.Edit, 8), look.KeyHint(k.AddKey, 4))
	if !p.sh.Remote {
		out = append(out, look.KeyHint(k.Editor, 5))
	}
	if len(p.Changes) > 0 {
		return append(out, look.KeyHint(k.Write, 9), look.KeyHint(k.Undo, 7))
	}
	return append(out, look.Unoffered(k.Write, k.Undo))
}

func (p *ConfigPane) HelpGroups() []look.HelpGroup {
	k := p.sh.Keys
	g := look.HelpGroup{Title: "config (c)", Keys: []key.Binding{k.Config, k.Search}}
	if !p.sh.ReadOnly {
		g.Keys = append(g.Keys, k.Edit, k.AddKey)
		if !p.sh.Remote {
			g.Keys = append(g.Keys, k.Editor)
		}
		g.Keys = append(g.Keys, k.Undo, k.Write)
	}
	return []look.HelpGroup{g}
}

// keyWidth is the width of the key column: the longest key, within reason.
func (p *ConfigPane) keyWidth() int {
	w := 12
	for _, k := range p.keys {
		w = max(w, len(k))
	}
	return min(w, max(12, p.w/2))
}

// header lines: what the pane shows, its state, and the staged changes.
func (p *ConfigPane) headLines() []string {
	st := p.sh.St
	now := p.sh.Now()
	d := p.dev
	lines := []string{look.Fit(st.Title.Render("Config · "+d.DeviceID)+"  "+look.Clean(d.Name), p.w)}
	var facts []string
	w := p.sh.Writes[d.DeviceID]
	switch {
	case p.loading:
		facts = append(facts, "reading…")
	case w != nil && w.waiting():
		// read before the write went: "synced" would be of the old values
		facts = append(facts, st.Warn.Render("a change is queued"))
	case p.cfg != nil && p.synced:
		facts = append(facts, st.Ok.Render("synced"))
	case p.cfg != nil:
		facts = append(facts, st.Warn.Render("not synced: a change waits for the device"))
	}
	if !p.readAt.IsZero() {
		facts = append(facts, "read "+state.Ago(p.readAt, now)+" ago")
	}
	if n, ok := p.sh.Gate.CallsLeft(d); ok {
		s := look.Plural(n, "call") + " left this month"
		if n < 10 {
			s = st.Warn.Render(s)
		}
		facts = append(facts, s)
	}
	lines = append(lines, look.Fit(strings.Join(facts, " · "), p.w))
	if w != nil {
		lines = append(lines, w.lines(st, p.w, now)...)
	}
	if n := len(p.Changes); n > 0 {
		kept := " · w write · u undo · kept as a draft"
		switch {
		case p.sh.savingDraft(p.dev.DeviceID):
			kept = " · w write · u undo · saving the draft…"
		case !p.sh.keepsDrafts(p.dev.DeviceID): // the demo, or the database failed: a quit loses it
			kept = " · w write · u undo · not saved as a draft"
		}
		lines = append(lines, look.Fit(st.Warn.Render(fmt.Sprintf("%s staged", look.Plural(n, "change")))+st.Dim.Render(kept), p.w))
	}
	problems := []string{p.problem}
	if p.readErr != nil {
		problems = append(problems, "could not read the config: "+p.readErr.Error())
	}
	for _, e := range problems {
		if e != "" {
			for _, l := range strings.Split(look.Wrap(e, p.w), "\n") {
				lines = append(lines, st.ErrText.Render(l))
			}
		}
	}
	if p.searching {
		lines = append(lines, look.Fit(p.search.View(), p.w))
	}
	return lines
}

func (p *ConfigPane) RowsHeight() int { return rowsUnder(p.h, p.headLines()) }

// rowsUnder is the height the rows have under the head lines.
func rowsUnder(h int, head []string) int { return max(1, h-len(head)-1) }

func (p *ConfigPane) View() string {
	st := p.sh.St
	head := p.headLines()
	var rows []string
	cursorRow := 0
	kw := p.keyWidth()
	group := ""
	for i, k := range p.keys {
		g, _, _ := strings.Cut(k, ".")
		if g != group {
			group = g
			rows = append(rows, st.Header.Render(look.Fit(look.Clean(g), p.w)))
		}
		marker := "  "
		if i == p.cursor {
			marker, cursorRow = "▶ ", len(rows)
		}
		line := marker + look.Pad(look.Clean(k), kw) + " "
		vw := max(4, p.w-kw-3)
		c, staged := p.change(k)
		queued, isQueued := p.queued(k)
		switch {
		case i == p.cursor && p.editing:
			line += p.edit.View()
		case staged && c.Added:
			line += st.Warn.Render(look.Cut("(new) → "+state.FormatValue(c.New), vw))
		case staged:
			line += st.Warn.Render(look.Cut(state.FormatValue(c.Old)+" → "+state.FormatValue(c.New), vw))
		case isQueued:
			v, _ := p.cfg.Get(k)
			line += st.Dim.Render(look.Cut(state.FormatValue(v)+" → "+state.FormatValue(queued.New)+" queued", vw))
		default:
			v, _ := p.cfg.Get(k)
			line += look.Cut(state.FormatValue(v), vw)
		}
		if i == p.cursor && !p.editing {
			line = st.Title.Render(look.Fit(line, p.w))
		}
		rows = append(rows, look.Fit(line, p.w))
		if i == p.cursor && p.editing && p.editErr != "" {
			for _, l := range strings.Split(look.Wrap(p.editErr, p.w-4), "\n") {
				rows = append(rows, "    "+st.ErrText.Render(l))
			}
		}
	}
	if len(p.keys) == 0 && !p.loading && p.readErr == nil {
		rows = append(rows, st.Dim.Render("no settings"))
	}
	height := rowsUnder(p.h, head)
	off := max(0, min(p.offset, len(rows)-height))
	if cursorRow < off || cursorRow >= off+height { // a resize moved it away
		off = max(0, min(cursorRow-height/2, len(rows)-height))
	}
	end := min(len(rows), off+height)
	return strings.Join(head, "\n") + "\n\n" + strings.Join(rows[off:end], "\n")
}
