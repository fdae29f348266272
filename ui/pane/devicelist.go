package pane

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

// ListPane is the device list: the fleet in an index that keeps it sorted
// and filtered as answers come (one device moves, O(log N)), a cursor that
// stays on its device, marks and the filter input. Only the rows on
// screen are drawn, so fifty thousand devices cost what a screenful does.
type ListPane struct {
	sh     *Shared
	w, h   int
	Active bool // its keys are the ones that count (wide layout)

	Idx       *state.Index
	filterErr error
	Filtering bool
	FilterIn  textinput.Model
	col       state.Column
	desc      bool
	Cursor    int
	Offset    int
	cursorID  string // the device under the cursor: it keeps it as the order changes
	Marks     map[string]bool
	rowBuf    []*state.Device
	// AtTop keeps the cursor on the first row until the user moves it: as
	// answers come in the worst device rises there, and the console shows
	// it, instead of following whichever device happened to be first.
	AtTop bool
}

func NewListPane(sh *Shared) *ListPane {
	return &ListPane{sh: sh, col: state.ColState, Marks: map[string]bool{}, AtTop: true, Active: true,
		Idx: state.NewIndex(state.ColState, false), FilterIn: look.NewInput("filter › ", "pump group:north !state:ok")}
}

func (l *ListPane) SetSize(w, h int) {
	l.w, l.h = w, h
	l.FilterIn.SetWidth(max(10, w-12-16)) // room for the count beside it: "50000 of 50000"
	if l.Cursor < l.RowsHeight() {
		l.Offset = 0 // grown tall enough to show the top with the cursor: show it
	}
	l.clamp()
}

// RowsHeight is how many device rows fit below the title, the filter's
// message and the column titles.
func (l *ListPane) RowsHeight() int { return max(1, l.h-2-len(l.errLines())) }

func (l *ListPane) errLines() []string {
	if !l.Filtering || l.filterErr == nil {
		return nil
	}
	msg := look.Wrap(l.filterErr.Error()+" · the list shows the last good filter", l.w)
	lines := strings.Split(msg, "\n")
	if len(lines) > 2 {
		lines = append(lines[:1], look.Fit(lines[1]+" …", l.w))
	}
	return lines
}

// Rebuild places the whole fleet again, after a new device list or a
// cache: O(N log N), never per answer.
func (l *ListPane) Rebuild() {
	l.Idx.Reset(l.sh.Fleet.All(), l.sh.Now())
	l.follow()
}

// Moved re-places one device after an answer and keeps the cursor on
// its device, on the same line of the screen: the rows move under it.
func (l *ListPane) Moved(id string) {
	d := l.sh.Fleet.Get(id)
	if d == nil {
		return
	}
	l.Idx.Update(d, l.sh.Now())
	l.follow()
}

// Tick re-places the devices whose state the clock changed (stale after
// 30 minutes, offline after a day); false when none did.
func (l *ListPane) Tick() bool {
	if l.Idx.Tick(l.sh.Now()) == 0 {
		return false
	}
	l.follow()
	return true
}

// follow puts the cursor back on its device after the order changed,
// keeping it on its line of the screen; on the first row until the user
// moves, so the worst device is what shows.
func (l *ListPane) follow() {
	if l.AtTop {
		l.Cursor, l.Offset = 0, 0
		l.remember()
		return
	}
	line := l.Cursor - l.Offset
	if i := l.Idx.Pos(l.cursorID); i >= 0 {
		l.Cursor = i
		l.Offset = l.Cursor - line
	}
	l.clamp()
}

// remember notes the device under the cursor.
func (l *ListPane) remember() {
	if d := l.Focused(); d != nil {
		l.cursorID = d.DeviceID
	}
}

func (l *ListPane) SetSort(col state.Column, desc bool) {
	l.col, l.desc = col, desc
	l.Idx.SetSort(col, desc, l.sh.Now())
	l.follow()
}

// SetFilter applies an expression as it is typed. A syntax error is kept
// to show inline and the list stays as it was.
func (l *ListPane) SetFilter(src string) {
	f, err := state.ParseFilter(src)
	l.filterErr = err
	if err != nil {
		return
	}
	l.Idx.SetFilter(f, l.sh.Now())
	l.follow()
}

func (l *ListPane) Focused() *state.Device {
	if l.Cursor < 0 || l.Cursor >= l.Idx.Len() {
		return nil
	}
	return l.Idx.At(l.Cursor)
}

// SelectID moves the cursor to a device; false when it is not listed.
func (l *ListPane) SelectID(id string) bool {
	i := l.Idx.Pos(id)
	if i < 0 {
		return false
	}
	l.Cursor, l.AtTop = i, false
	l.clamp()
	l.remember()
	return true
}

func (l *ListPane) Move(delta int) {
	l.Cursor += delta
	l.AtTop = l.Cursor <= 0
	l.clamp()
	l.remember()
}

func (l *ListPane) clamp() {
	l.Cursor = max(0, min(l.Cursor, l.Idx.Len()-1))
	height := l.RowsHeight()
	if l.h <= 0 {
		return
	}
	if l.Cursor < l.Offset {
		l.Offset = l.Cursor
	}
	if l.Cursor >= l.Offset+height {
		l.Offset = l.Cursor - height + 1
	}
	l.Offset = max(0, min(l.Offset, l.Idx.Len()-height))
}

// Marked are the marked devices in the list's sort order, those the
// filter hides included.
func (l *ListPane) Marked() []*state.Device {
	var out []*state.Device
	for id := range l.Marks {
		if d := l.sh.Fleet.Get(id); d != nil {
			out = append(out, d)
		}
	}
	state.Sort(out, l.col, l.desc, l.sh.Now())
	return out
}

// visible are the devices on screen.
func (l *ListPane) visible() []*state.Device {
	l.rowBuf = l.Idx.Rows(l.Offset, min(l.Idx.Len(), l.Offset+l.RowsHeight()), l.rowBuf[:0])
	return l.rowBuf
}

// VisibleIDs are the devices on screen, for the scheduler.
func (l *ListPane) VisibleIDs() []string {
	rows := l.visible()
	ids := make([]string, 0, len(rows))
	for _, d := range rows {
		ids = append(ids, d.DeviceID)
	}
	return ids
}

// ClickRow moves the cursor to the row at y lines below the pane's top;
// false when y is not on a row.
func (l *ListPane) ClickRow(y int) bool {
	row := y - 2 - len(l.errLines()) + l.Offset // below the title and the column titles
	if y < 2 || row >= l.Idx.Len() || row < 0 {
		return false
	}
	l.Cursor, l.AtTop = row, false
	l.clamp()
	l.remember()
	return true
}

func (l *ListPane) Typing() bool { return l.Filtering }

func (l *ListPane) Key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	if l.Filtering {
		return true, l.filterKey(msg)
	}
	k := l.sh.Keys
	switch {
	case look.Matches(msg, k.Up):
		l.Move(-1)
	case look.Matches(msg, k.Down):
		l.Move(1)
	case look.Matches(msg, k.PageUp):
		l.Move(-l.RowsHeight())
	case look.Matches(msg, k.PageDown):
		l.Move(l.RowsHeight())
	case look.Matches(msg, k.Top):
		l.Move(-l.Idx.Len())
	case look.Matches(msg, k.Bottom):
		l.Move(l.Idx.Len())
	case look.Matches(msg, k.Filter):
		l.Filtering = true
		l.FilterIn.SetValue(l.Idx.Filter().String())
		l.FilterIn.CursorEnd()
		return true, l.FilterIn.Focus()
	case look.Matches(msg, k.Sort):
		l.SetSort(l.col.Next(), l.desc)
	case look.Matches(msg, k.SortReverse):
		l.SetSort(l.col, !l.desc)
	case look.Matches(msg, k.Mark):
		if d := l.Focused(); d != nil {
			if l.Marks[d.DeviceID] {
				delete(l.Marks, d.DeviceID)
			} else {
				l.Marks[d.DeviceID] = true
			}
			l.Move(1)
		}
	case look.Matches(msg, k.MarkAll):
		for _, d := range l.Idx.Rows(0, l.Idx.Len(), nil) {
			l.Marks[d.DeviceID] = true
		}
		return true, look.Say(fmt.Sprintf("marked the %s shown (%d marked in all)", look.Plural(l.Idx.Len(), "device"), len(l.Marks)), false)
	case look.Matches(msg, k.Copy):
		if d := l.Focused(); d != nil {
			return true, tea.Batch(tea.SetClipboard(d.DeviceID), look.Say(d.DeviceID+" sent to the terminal's clipboard (OSC 52)", false))
		}
	default:
		return false, nil
	}
	return true, nil
}

func (l *ListPane) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		l.FilterIn.SetValue("")
		l.SetFilter("")
		l.filterErr, l.Filtering = nil, false
		return nil
	case "enter":
		if l.filterErr == nil {
			l.Filtering = false
			l.AtTop = false // the user picked what to look at: follow it
		}
		return nil
	case "up", "down":
		l.Move(map[string]int{"up": -1, "down": 1}[msg.String()])
		return nil
	}
	var cmd tea.Cmd
	l.FilterIn, cmd = l.FilterIn.Update(msg)
	l.SetFilter(l.FilterIn.Value())
	return cmd
}

func (l *ListPane) Paste(msg tea.PasteMsg) tea.Cmd {
	if !l.Filtering {
		return nil
	}
	var cmd tea.Cmd
	l.FilterIn, cmd = l.FilterIn.Update(msg)
	l.SetFilter(l.FilterIn.Value())
	return cmd
}

// ClearFilter drops the filter; false when there was none.
func (l *ListPane) ClearFilter() bool {
	if l.Idx.Filter().Empty() {
		return false
	}
	l.FilterIn.SetValue("")
	l.SetFilter("")
	return true
}

func (l *ListPane) Hints() []look.Hint {
	k := l.sh.Keys
	if l.Filtering {
		return []look.Hint{
			{B: key.NewBinding(key.WithHelp("type", "words, field:value, !not")), Prio: 3},
			{B: key.NewBinding(key.WithHelp("enter", "keep")), Prio: 9},
			{B: key.NewBinding(key.WithHelp("esc", "clear")), Prio: 9},
			{B: key.NewBinding(key.WithHelp("↑/↓", "move")), Prio: 5},
		}
	}
	hs := []look.Hint{look.KeyHint(k.Filter, 8), look.KeyHint(k.Sort, 5), look.KeyHint(k.Mark, 4), look.KeyHint(k.Copy, 2), look.KeyHint(k.Export, 3), look.KeyHint(k.RefreshList, 1)}
	if len(l.sh.Drafts) > 0 {
		hs = append(hs, look.Hint{B: draftMark, Desc: "draft", Prio: 6})
	}
	return hs
}

func (l *ListPane) HelpGroups() []look.HelpGroup {
	k := l.sh.Keys
	return []look.HelpGroup{{Title: "device list", Keys: []key.Binding{k.Open, k.Filter, k.Sort, k.SortReverse, k.Mark, k.MarkAll, k.ClearMarks, k.Copy, k.Export, k.RefreshList, draftMark}}}
}

// View draws the title (or the filter input) and the rows.
func (l *ListPane) View() string {
	sh := l.sh
	var b strings.Builder
	if l.Filtering {
		b.WriteString(look.Fit(l.filterLine(), l.w))
	} else {
		title := sh.St.Title.Render(l.title())
		if f := l.Idx.Filter(); !f.Empty() {
			title += sh.St.Dim.Render(" · /" + look.Clean(f.String()))
		}
		b.WriteString(look.Fit(title, l.w))
	}
	for _, e := range l.errLines() {
		b.WriteString("\n" + sh.St.ErrText.Render(e))
	}
	switch {
	case sh.Fleet.Len() == 0 && sh.ListErr != nil:
		b.WriteString("\n" + sh.St.ErrText.Render(look.Wrap("Could not list the devices: "+sh.ListErr.Error(), l.w)))
		b.WriteString("\n" + sh.St.Dim.Render("Trying again by itself; r tries now."))
		return b.String()
	case sh.Fleet.Len() == 0:
		b.WriteString("\n" + sh.St.Dim.Render("loading the device list…"))
		return b.String()
	}
	b.WriteString("\n" + l.rowsView())
	if l.Idx.Len() == 0 {
		b.WriteString("\n" + sh.St.Dim.Render(look.Fit("  no device matches /"+look.Clean(l.Idx.Filter().String())+" · esc clears the filter", l.w)))
	}
	return b.String()
}

func (l *ListPane) rowsView() string {
	sh := l.sh
	now := sh.Now()
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
		i := l.Offset + k
		hl := d.Health(now)
		cells := make([]string, len(cols))
		for j, c := range cols {
			cells[j] = look.Pad(cellText(d, c.col, hl, now), c.width)
		}
		if sh.Sched != nil {
			if _, why := sh.Sched.Hold(d.DeviceID); why != "" {
				cells[len(cells)-1] = look.Pad("! "+hl.String(), cols[len(cols)-1].width) // its read failed: the readings say why
			}
		}
		cursor, mark, draft := " ", " ", " "
		if i == l.Cursor {
			cursor = "▶"
		}
		if l.Marks[d.DeviceID] {
			mark = "*"
		}
		if sh.Drafts[d.DeviceID] {
			draft = DraftGlyph
		}
		line := cursor + mark + draft + strings.Join(cells, " ")
		if rowW > width {
			line = look.Fit(line, width)
		}
		switch {
		case i == l.Cursor && l.Active && rowW <= width:
			line = sh.St.Selected.Render(line + strings.Repeat(" ", width-rowW))
		case i == l.Cursor && l.Active:
			line = sh.St.Selected.Render(look.Pad(line, width))
		case i == l.Cursor:
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
func (l *ListPane) filterLine() string {
	in := l.FilterIn.View()
	count := l.sh.St.Dim.Render(fmt.Sprintf("%d of %d", l.Idx.Len(), l.Idx.Total()))
	gap := l.w - lipgloss.Width(in) - lipgloss.Width(count)
	if gap < 2 {
		return in
	}
	return in + strings.Repeat(" ", gap) + count
}

// title is the pane's heading: what is shown of how many, and the sort.
func (l *ListPane) title() string {
	shown, total := l.Idx.Len(), l.Idx.Total()
	s := fmt.Sprintf("Devices %d", shown)
	if shown != total {
		s = fmt.Sprintf("Devices %d of %d", shown, total)
	}
	if n := len(l.Marks); n > 0 {
		s += fmt.Sprintf(" · %d marked", n)
	}
	if n := len(l.sh.Drafts); n > 0 {
		s += fmt.Sprintf(" · %s %d", DraftGlyph, n)
	}
	return s + " · sort " + l.col.String() + map[bool]string{false: " ▲", true: " ▼"}[l.desc]
}
