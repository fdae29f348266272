package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"sqc/state"
)

// listPane is the device list: the fleet sorted, then filtered, with a
// cursor, marks and the filter input. Only the rows on screen are
// rendered, so ten thousand devices cost what a screenful does.
type listPane struct {
	sh     *shared
	w, h   int
	active bool // its keys are the ones that count (wide layout)

	sorted    []*state.Device // every device, in sort order
	rows      []*state.Device // the sorted devices that pass the filter
	filter    *state.Filter
	filterErr error
	filtering bool
	filterIn  textinput.Model
	col       state.Column
	desc      bool
	cursor    int
	offset    int
	marks     map[string]bool
	// atTop keeps the cursor on the first row until the user moves it: as
	// answers come in the worst device rises there, and the console shows
	// it, instead of following whichever device happened to be first.
	atTop bool
}

func newListPane(sh *shared) *listPane {
	return &listPane{sh: sh, col: state.ColState, marks: map[string]bool{}, atTop: true, active: true,
		filterIn: newInput("filter › ", "pump group:north !state:ok")}
}

func (l *listPane) setSize(w, h int) {
	l.w, l.h = w, h
	l.filterIn.SetWidth(max(10, w-12))
	l.clamp()
}

// rowsHeight is how many device rows fit below the title, the filter's
// message and the column titles.
func (l *listPane) rowsHeight() int { return max(1, l.h-2-len(l.errLines())) }

func (l *listPane) errLines() []string {
	if !l.filtering || l.filterErr == nil {
		return nil
	}
	msg := wrap(l.filterErr.Error()+" · the list shows the last good filter", l.w)
	lines := strings.Split(msg, "\n")
	if len(lines) > 2 {
		lines = append(lines[:1], fit(lines[1]+" …", l.w))
	}
	return lines
}

// rebuild sorts the fleet again and refilters, keeping the cursor on the
// same device when it is still there.
func (l *listPane) rebuild() {
	now := l.sh.now()
	l.sorted = append(l.sorted[:0], l.sh.fleet.All()...)
	state.Sort(l.sorted, l.col, l.desc, now)
	l.refilter()
}

func (l *listPane) refilter() {
	keep := ""
	if d := l.focused(); d != nil {
		keep = d.DeviceID
	}
	l.rows = l.filter.Apply(l.sorted, l.sh.now(), l.rows)
	if l.atTop {
		l.cursor, l.offset = 0, 0
	} else if keep != "" {
		for i, d := range l.rows {
			if d.DeviceID == keep {
				l.cursor = i
				break
			}
		}
	}
	l.clamp()
}

// setFilter applies an expression as it is typed. A syntax error is kept
// to show inline and the list stays as it was.
func (l *listPane) setFilter(src string) {
	f, err := state.ParseFilter(src)
	l.filterErr = err
	if err != nil {
		return
	}
	l.filter = f
	l.refilter()
}

func (l *listPane) focused() *state.Device {
	if l.cursor < 0 || l.cursor >= len(l.rows) {
		return nil
	}
	return l.rows[l.cursor]
}

// selectID moves the cursor to a device; false when it is not listed.
func (l *listPane) selectID(id string) bool {
	for i, d := range l.rows {
		if d.DeviceID == id {
			l.cursor, l.atTop = i, false
			l.clamp()
			return true
		}
	}
	return false
}

func (l *listPane) move(delta int) {
	l.cursor += delta
	l.atTop = l.cursor <= 0
	l.clamp()
}

func (l *listPane) clamp() {
	l.cursor = max(0, min(l.cursor, len(l.rows)-1))
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
	l.offset = max(0, min(l.offset, len(l.rows)-height))
}

// visibleIDs are the devices on screen, for the scheduler.
func (l *listPane) visibleIDs() []string {
	end := min(len(l.rows), l.offset+l.rowsHeight())
	ids := make([]string, 0, max(0, end-l.offset))
	for _, d := range l.rows[l.offset:end] {
		ids = append(ids, d.DeviceID)
	}
	return ids
}

// clickRow moves the cursor to the row at y lines below the pane's top;
// false when y is not on a row.
func (l *listPane) clickRow(y int) bool {
	row := y - 2 - len(l.errLines()) + l.offset // below the title and the column titles
	if y < 2 || row >= len(l.rows) || row < 0 {
		return false
	}
	l.cursor, l.atTop = row, false
	l.clamp()
	return true
}

func (l *listPane) typing() bool { return l.filtering }

func (l *listPane) key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	if l.filtering {
		return true, l.filterKey(msg)
	}
	k := l.sh.keys
	switch {
	case matches(msg, k.Up):
		l.move(-1)
	case matches(msg, k.Down):
		l.move(1)
	case matches(msg, k.PageUp):
		l.move(-l.rowsHeight())
	case matches(msg, k.PageDown):
		l.move(l.rowsHeight())
	case matches(msg, k.Top):
		l.move(-len(l.rows))
	case matches(msg, k.Bottom):
		l.move(len(l.rows))
	case matches(msg, k.Filter):
		l.filtering = true
		l.filterIn.SetValue(l.filter.String())
		l.filterIn.CursorEnd()
		return true, l.filterIn.Focus()
	case matches(msg, k.Sort):
		l.col = l.col.Next()
		l.rebuild()
	case matches(msg, k.SortReverse):
		l.desc = !l.desc
		l.rebuild()
	case matches(msg, k.Mark):
		if d := l.focused(); d != nil {
			if l.marks[d.DeviceID] {
				delete(l.marks, d.DeviceID)
			} else {
				l.marks[d.DeviceID] = true
			}
			l.move(1)
		}
	case matches(msg, k.MarkAll):
		for _, d := range l.rows {
			l.marks[d.DeviceID] = true
		}
		return true, say(fmt.Sprintf("marked the %s shown (%d marked in all)", plural(len(l.rows), "device"), len(l.marks)), false)
	case matches(msg, k.Copy):
		if d := l.focused(); d != nil {
			return true, tea.Batch(tea.SetClipboard(d.DeviceID), say(d.DeviceID+" sent to the terminal's clipboard (OSC 52)", false))
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
	if l.filter.Empty() {
		return false
	}
	l.filterIn.SetValue("")
	l.setFilter("")
	return true
}

func (l *listPane) hints() []hint {
	k := l.sh.keys
	if l.filtering {
		return []hint{
			{b: key.NewBinding(key.WithHelp("type", "words, field:value, !not")), prio: 3},
			{b: key.NewBinding(key.WithHelp("enter", "keep")), prio: 9},
			{b: key.NewBinding(key.WithHelp("esc", "clear")), prio: 9},
			{b: key.NewBinding(key.WithHelp("↑/↓", "move")), prio: 5},
		}
	}
	return []hint{h(k.Filter, 8), h(k.Sort, 5), h(k.Mark, 4), h(k.Copy, 2), h(k.Export, 3)}
}

func (l *listPane) helpGroups() []helpGroup {
	k := l.sh.keys
	return []helpGroup{{"device list", []key.Binding{k.Open, k.Filter, k.Sort, k.SortReverse, k.Mark, k.MarkAll, k.Copy, k.Export}}}
}

// view draws the title (or the filter input) and the rows.
func (l *listPane) view() string {
	sh := l.sh
	var b strings.Builder
	if l.filtering {
		b.WriteString(fit(l.filterIn.View(), l.w))
	} else {
		title := sh.st.title.Render(l.title(sh.fleet.Len()))
		if !l.filter.Empty() {
			title += sh.st.dim.Render(" · /" + clean(l.filter.String()))
		}
		b.WriteString(fit(title, l.w))
	}
	for _, e := range l.errLines() {
		b.WriteString("\n" + sh.st.errText.Render(e))
	}
	b.WriteString("\n" + l.rowsView())
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
		head = append(head, pad(t, c.width))
	}
	b.WriteString(sh.st.title.Render(fit("  "+strings.Join(head, " "), width)))
	rows := l.rowsHeight()
	end := min(len(l.rows), l.offset+rows)
	for i := l.offset; i < end; i++ {
		d := l.rows[i]
		hl := d.Health(now)
		cells := make([]string, len(cols))
		for j, c := range cols {
			cells[j] = pad(cellText(d, c.col, hl, now), c.width)
		}
		if sh.sched != nil {
			if _, why := sh.sched.Hold(d.DeviceID); why != "" {
				cells[len(cells)-1] = pad("! "+hl.String(), cols[len(cols)-1].width) // its read failed: the readings say why
			}
		}
		cursor, mark := " ", " "
		if i == l.cursor {
			cursor = "▶"
		}
		if l.marks[d.DeviceID] {
			mark = "*"
		}
		line := fit(cursor+mark+strings.Join(cells, " "), width)
		switch {
		case i == l.cursor && l.active:
			line = sh.st.selected.Render(pad(line, width))
		case i == l.cursor:
			line = sh.st.title.Render(line)
		default:
			// colour only the state cell; the rest stays plain for speed
			st := cells[len(cells)-1]
			line = strings.TrimSuffix(line, st) + sh.st.health(hl).Render(st)
		}
		b.WriteString("\n" + line)
	}
	return b.String()
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
	used := 2 // cursor and mark
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

// title is the pane's heading: what is shown of how many, and the sort.
func (l *listPane) title(total int) string {
	s := fmt.Sprintf("Devices %d", len(l.rows))
	if len(l.rows) != total {
		s = fmt.Sprintf("Devices %d of %d", len(l.rows), total)
	}
	if n := len(l.marks); n > 0 {
		s += fmt.Sprintf(" · %d marked", n)
	}
	return s + " · sort " + l.col.String() + map[bool]string{false: " ▲", true: " ▼"}[l.desc]
}
