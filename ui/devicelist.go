package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"sqc/state"
	"sqc/ui/look"
)

// listPane is the device list: the fleet in an index that keeps it sorted
// and filtered as answers come (one device moves, O(log N)), a cursor that
// stays on its device, marks and the filter input. Only the rows on
// screen are drawn, so fifty thousand devices cost what a screenful does.
type listPane struct {
	sh     *shared
	w, h   int
	active bool // its keys are the ones that count (wide layout)

	idx       *state.Index
	filterErr error
	filtering bool
	filterIn  textinput.Model
	col       state.Column
	desc      bool
	cursor    int
	offset    int
	cursorID  string // the device under the cursor: it keeps it as the order changes
	marks     map[string]bool
	rowBuf    []*state.Device
	// atTop keeps the cursor on the first row until the user moves it: as
	// answers come in the worst device rises there, and the console shows
	// it, instead of following whichever device happened to be first.
	atTop bool
}

func newListPane(sh *shared) *listPane {
	return &listPane{sh: sh, col: state.ColState, marks: map[string]bool{}, atTop: true, active: true,
		idx: state.NewIndex(state.ColState, false), filterIn: look.NewInput("filter › ", "pump group:north !state:ok")}
}

func (l *listPane) setSize(w, h int) {
	l.w, l.h = w, h
	l.filterIn.SetWidth(max(10, w-12-16)) // room for the count beside it: "50000 of 50000"
	if l.cursor < l.rowsHeight() {
		l.offset = 0 // grown tall enough to show the top with the cursor: show it
	}
	l.clamp()
}

// rowsHeight is how many device rows fit below the title, the filter's
// message and the column titles.
func (l *listPane) rowsHeight() int { return max(1, l.h-2-len(l.errLines())) }

func (l *listPane) errLines() []string {
	if !l.filtering || l.filterErr == nil {
		return nil
	}
	msg := look.Wrap(l.filterErr.Error()+" · the list shows the last good filter", l.w)
	lines := strings.Split(msg, "\n")
	if len(lines) > 2 {
		lines = append(lines[:1], look.Fit(lines[1]+" …", l.w))
	}
	return lines
}

// rebuild places the whole fleet again, after a new device list or a
// cache: O(N log N), never per answer.
func (l *listPane) rebuild() {
	l.idx.Reset(l.sh.fleet.All(), l.sh.now())
	l.follow()
}

// moved re-places one device after an answer and keeps the cursor on
// its device, on the same line of the screen: the rows move under it.
func (l *listPane) moved(id string) {
	d := l.sh.fleet.Get(id)
	if d == nil {
		return
	}
	l.idx.Update(d, l.sh.now())
	l.follow()
}

// tick re-places the devices whose state the clock changed (stale after
// 30 minutes, offline after a day); false when none did.
func (l *listPane) tick() bool {
	if l.idx.Tick(l.sh.now()) == 0 {
		return false
	}
	l.follow()
	return true
}

// follow puts the cursor back on its device after the order changed,
// keeping it on its line of the screen; on the first row until the user
// moves, so the worst device is what shows.
func (l *listPane) follow() {
	if l.atTop {
		l.cursor, l.offset = 0, 0
		l.remember()
		return
	}
	line := l.cursor - l.offset
	if i := l.idx.Pos(l.cursorID); i >= 0 {
		l.cursor = i
		l.offset = l.cursor - line
	}
	l.clamp()
}

// remember notes the device under the cursor.
func (l *listPane) remember() {
	if d := l.focused(); d != nil {
		l.cursorID = d.DeviceID
	}
}

func (l *listPane) setSort(col state.Column, desc bool) {
	l.col, l.desc = col, desc
	l.idx.SetSort(col, desc, l.sh.now())
	l.follow()
}

// setFilter applies an expression as it is typed. A syntax error is kept
// to show inline and the list stays as it was.
func (l *listPane) setFilter(src string) {
	f, err := state.ParseFilter(src)
	l.filterErr = err
	if err != nil {
		return
	}
	l.idx.SetFilter(f, l.sh.now())
	l.follow()
}

func (l *listPane) focused() *state.Device {
	if l.cursor < 0 || l.cursor >= l.idx.Len() {
		return nil
	}
	return l.idx.At(l.cursor)
}

// selectID moves the cursor to a device; false when it is not listed.
func (l *listPane) selectID(id string) bool {
	i := l.idx.Pos(id)
	if i < 0 {
		return false
	}
	l.cursor, l.atTop = i, false
	l.clamp()
	l.remember()
	return true
}

func (l *listPane) move(delta int) {
	l.cursor += delta
	l.atTop = l.cursor <= 0
	l.clamp()
	l.remember()
}

func (l *listPane) clamp() {
	l.cursor = max(0, min(l.cursor, l.idx.Len()-1))
	height := l.rowsHeight()
	if l.h <= 0 {
		return
	}
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+height {
		l.offset = l.cursor - height + 1
	}
	l.offset = max(0, min(l.offset, l.idx.Len()-height))
}

// marked are the marked devices in the list's sort order, those the
// filter hides included.
func (l *listPane) marked() []*state.Device {
	var out []*state.Device
	for id := range l.marks {
		if d := l.sh.fleet.Get(id); d != nil {
			out = append(out, d)
		}
	}
	state.Sort(out, l.col, l.desc, l.sh.now())
	return out
}

// visible are the devices on screen.
func (l *listPane) visible() []*state.Device {
	l.rowBuf = l.idx.Rows(l.offset, min(l.idx.Len(), l.offset+l.rowsHeight()), l.rowBuf[:0])
	return l.rowBuf
}

// visibleIDs are the devices on screen, for the scheduler.
func (l *listPane) visibleIDs() []string {
	rows := l.visible()
	ids := make([]string, 0, len(rows))
	for _, d := range rows {
		ids = append(ids, d.DeviceID)
	}
	return ids
}

// clickRow moves the cursor to the row at y lines below the pane's top;
// false when y is not on a row.
func (l *listPane) clickRow(y int) bool {
	row := y - 2 - len(l.errLines()) + l.offset // below the title and the column titles
	if y < 2 || row >= l.idx.Len() || row < 0 {
		return false
	}
	l.cursor, l.atTop = row, false
	l.clamp()
	l.remember()
	return true
}

func (l *listPane) typing() bool { return l.filtering }

func (l *listPane) key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	if l.filtering {
		return true, l.filterKey(msg)
	}
	k := l.sh.Keys
	switch {
	case look.Matches(msg, k.Up):
		l.move(-1)
	case look.Matches(msg, k.Down):
		l.move(1)
	case look.Matches(msg, k.PageUp):
		l.move(-l.rowsHeight())
	case look.Matches(msg, k.PageDown):
		l.move(l.rowsHeight())
	case look.Matches(msg, k.Top):
		l.move(-l.idx.Len())
	case look.Matches(msg, k.Bottom):
		l.move(l.idx.Len())
	case look.Matches(msg, k.Filter):
		l.filtering = true
		l.filterIn.SetValue(l.idx.Filter().String())
		l.filterIn.CursorEnd()
		return true, l.filterIn.Focus()
	case look.Matches(msg, k.Sort):
		l.setSort(l.col.Next(), l.desc)
	case look.Matches(msg, k.SortReverse):
		l.setSort(l.col, !l.desc)
	case look.Matches(msg, k.Mark):
		if d := l.focused(); d != nil {
			if l.marks[d.DeviceID] {
				delete(l.marks, d.DeviceID)
			} else {
				l.marks[d.DeviceID] = true
			}
			l.move(1)
		}
	case look.Matches(msg, k.MarkAll):
		for _, d := range l.idx.Rows(0, l.idx.Len(), nil) {
			l.marks[d.DeviceID] = true
		}
		return true, look.Say(fmt.Sprintf("marked the %s shown (%d marked in all)", look.Plural(l.idx.Len(), "device"), len(l.marks)), false)
	case look.Matches(msg, k.Copy):
		if d := l.focused(); d != nil {
			return true, tea.Batch(tea.SetClipboard(d.DeviceID), look.Say(d.DeviceID+" sent to the terminal's clipboard (OSC 52)", false))
		}
	default:
		return false, nil
	}
	return true, nil
}

func (l *listPane) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		l.filterIn.SetValue("")
		l.setFilter("")
		l.filterErr, l.filtering = nil, false
		return nil
	case "enter":
		if l.filterErr == nil {
			l.filtering = false
			l.atTop = false // the user picked what to look at: follow it
		}
		return nil
	case "up", "down":
		l.move(map[string]int{"up": -1, "down": 1}[msg.String()])
		return nil
	}
	var cmd tea.Cmd
	l.filterIn, cmd = l.filterIn.Update(msg)
	l.setFilter(l.filterIn.Value())
	return cmd
}

func (l *listPane) paste(msg tea.PasteMsg) tea.Cmd {
	if !l.filtering {
		return nil
	}
	var cmd tea.Cmd
	l.filterIn, cmd = l.filterIn.Update(msg)
	l.setFilter(l.filterIn.Value())
	return cmd
}

// clearFilter drops the filter; false when there was none.
func (l *listPane) clearFilter() bool {
	if l.idx.Filter().Empty() {
		return false
	}
	l.filterIn.SetValue("")
	l.setFilter("")
	return true
}

func (l *listPane) hints() []look.Hint {
	k := l.sh.Keys
	if l.filtering {
		return []look.Hint{
			{B: key.NewBinding(key.WithHelp("type", "words, field:value, !not")), Prio: 3},
			{B: key.NewBinding(key.WithHelp("enter", "keep")), Prio: 9},
			{B: key.NewBinding(key.WithHelp("esc", "clear")), Prio: 9},
			{B: key.NewBinding(key.WithHelp("↑/↓", "move")), Prio: 5},
		}
	}
	hs := []look.Hint{look.KeyHint(k.Filter, 8), look.KeyHint(k.Sort, 5), look.KeyHint(k.Mark, 4), look.KeyHint(k.Copy, 2), look.KeyHint(k.Export, 3), look.KeyHint(k.RefreshList, 1)}
	if len(l.sh.drafts) > 0 {
		hs = append(hs, look.Hint{B: draftMark, Desc: "draft", Prio: 6})
	}
	return hs
}

func (l *listPane) helpGroups() []look.HelpGroup {
	k := l.sh.Keys
	return []look.HelpGroup{{Title: "device list", Keys: []key.Binding{k.Open, k.Filter, k.Sort, k.SortReverse, k.Mark, k.MarkAll, k.ClearMarks, k.Copy, k.Export, k.RefreshList, draftMark}}}
}

// view draws the title (or the filter input) and the rows.
func (l *listPane) view() string {
	sh := l.sh
	var b strings.Builder
	if l.filtering {
		b.WriteString(look.Fit(l.filterLine(), l.w))
	} else {
		title := sh.St.Title.Render(l.title())
		if f := l.idx.Filter(); !f.Empty() {
			title += sh.St.Dim.Render(" · /" + look.Clean(f.String()))
		}
		b.WriteString(look.Fit(title, l.w))
	}
	for _, e := range l.errLines() {
		b.WriteString("\n" + sh.St.ErrText.Render(e))
	}
	switch {
	case sh.fleet.Len() == 0 && sh.listErr != nil:
		b.WriteString("\n" + sh.St.ErrText.Render(look.Wrap("Could not list the devices: "+sh.listErr.Error(), l.w)))
		b.WriteString("\n" + sh.St.Dim.Render("Trying again by itself; r tries now."))
		return b.String()
	case sh.fleet.Len() == 0:
		b.WriteString("\n" + sh.St.Dim.Render("loading the device list…"))
		return b.String()
	}
	b.WriteString("\n" + l.rowsView())
	if l.idx.Len() == 0 {
		b.WriteString("\n" + sh.St.Dim.Render(look.Fit("  no device matches /"+look.Clean(l.idx.Filter().String())+" · esc clears the filter", l.w)))
	}
	return b.String()
}

func (l *listPane) rowsView() string {
	sh := l.sh
	now := sh.now()
	width := l.w
	cols := layout(width)
	var b strings.Builder
	var head []string
	for _, c := range cols {
		t := c.title
		if c.col == l.col {
			t += map[bool]string{false: "▲", true: "▼"}[l.desc]
		}
		head = append(head, look.Pad(t, c.width))
	}
	b.WriteString(sh.St.Title.Render(look.Fit("   "+strings.Join(head, " "), width)))
	// Every cell is padded or cut to its column's width, so a row is as
	// wide as the columns: no row needs measuring unless the columns are
	// wider than the pane. The state cells are few and repeat: each is
	// styled once a frame.
	rowW := 3 + len(cols) - 1 // cursor, mark and draft, and the gaps
	for _, c := range cols {
		rowW += c.width
	}
	var styled []styledCell
	for k, d := range l.visible() {
		i := l.offset + k
		hl := d.Health(now)
		cells := make([]string, len(cols))
		for j, c := range cols {
			cells[j] = look.Pad(cellText(d, c.col, hl, now), c.width)
		}
		if sh.sched != nil {
			if _, why := sh.sched.Hold(d.DeviceID); why != "" {
				cells[len(cells)-1] = look.Pad("! "+hl.String(), cols[len(cols)-1].width) // its read failed: the readings say why
			}
		}
		cursor, mark, draft := " ", " ", " "
		if i == l.cursor {
			cursor = "▶"
		}
		if l.marks[d.DeviceID] {
			mark = "*"
		}
		if sh.drafts[d.DeviceID] {
			draft = draftGlyph
		}
		line := cursor + mark + draft + strings.Join(cells, " ")
		if rowW > width {
			line = look.Fit(line, width)
		}
		switch {
		case i == l.cursor && l.active && rowW <= width:
			line = sh.St.Selected.Render(line + strings.Repeat(" ", width-rowW))
		case i == l.cursor && l.active:
			line = sh.St.Selected.Render(look.Pad(line, width))
		case i == l.cursor:
			line = sh.St.Title.Render(line)
		default:
			// colour only the state cell; the rest stays plain for speed
			st := cells[len(cells)-1]
			var out string
			styled, out = styleCell(styled, sh.St, hl, st)
			line = strings.TrimSuffix(line, st) + out
		}
		b.WriteString("\n" + line)
	}
	return b.String()
}

// styledCell is a state cell as styled, kept for the rows after it.
type styledCell struct {
	h        state.Health
	text     string
	rendered string
}

// styleCell styles a state cell, or finds it styled already.
func styleCell(done []styledCell, st look.Styles, h state.Health, text string) ([]styledCell, string) {
	for _, c := range done {
		if c.h == h && c.text == text {
			return done, c.rendered
		}
	}
	c := styledCell{h: h, text: text, rendered: st.Health(h).Render(text)}
	return append(done, c), c.rendered
}

type column struct {
	col   state.Column
	title string
	width int
}

// layout picks the columns that fit a width: narrow lists drop group,
// model and plan before ID, name, seen and state.
func layout(width int) []column {
	fixed := []column{{state.ColID, "ID", 9}, {state.ColName, "Name", 0}}
	tail := []column{{state.ColSeen, "Seen", 5}, {state.ColState, "State", 7}}
	if width >= 72 {
		tail = append([]column{{state.ColGroup, "Group", 0}, {state.ColModel, "Model", 7}, {state.ColPlan, "Plan", 6}}, tail...)
	}
	cols := append(fixed, tail...)
	used := 3 // cursor, mark and draft
	flex := 0
	for _, c := range cols {
		used += c.width + 1
		if c.width == 0 {
			flex++
		}
	}
	free := max(flex*4, width-used)
	for i := range cols {
		if cols[i].width == 0 {
			cols[i].width = free / flex
			if cols[i].col == state.ColName {
				cols[i].width += free % flex
			}
		}
	}
	return cols
}

func cellText(d *state.Device, col state.Column, h state.Health, now time.Time) string {
	switch col {
	case state.ColID:
		return d.DeviceID
	case state.ColName:
		return d.Name
	case state.ColGroup:
		return d.GroupName
	case state.ColModel:
		return d.Model
	case state.ColPlan:
		return d.Plan
	case state.ColSeen:
		return state.Ago(d.LastSeen(), now)
	case state.ColState:
		return h.String()
	}
	return ""
}

// filterLine is the filter being typed, with how many devices it shows
// on the right as each key narrows it (k9s and fzf keep the count in view).
func (l *listPane) filterLine() string {
	in := l.filterIn.View()
	count := l.sh.St.Dim.Render(fmt.Sprintf("%d of %d", l.idx.Len(), l.idx.Total()))
	gap := l.w - lipgloss.Width(in) - lipgloss.Width(count)
	if gap < 2 {
		return in
	}
	return in + strings.Repeat(" ", gap) + count
}

// title is the pane's heading: what is shown of how many, and the sort.
func (l *listPane) title() string {
	shown, total := l.idx.Len(), l.idx.Total()
	s := fmt.Sprintf("Devices %d", shown)
	if shown != total {
		s = fmt.Sprintf("Devices %d of %d", shown, total)
	}
	if n := len(l.marks); n > 0 {
		s += fmt.Sprintf(" · %d marked", n)
	}
	if n := len(l.sh.drafts); n > 0 {
		s += fmt.Sprintf(" · %s %d", draftGlyph, n)
	}
	return s + " · sort " + l.col.String() + map[bool]string{false: " ▲", true: " ▼"}[l.desc]
}
