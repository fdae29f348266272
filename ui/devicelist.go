package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"sqc/state"
)

// deviceList is the device list pane: the fleet sorted, then filtered,
// with a cursor and marks. Only the rows on screen are rendered, so ten
// thousand devices cost what a screenful does.
type deviceList struct {
	sorted    []*state.Device // every device, in sort order
	rows      []*state.Device // the sorted devices that pass the filter
	filter    *state.Filter
	filterErr error
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

func newDeviceList() deviceList {
	return deviceList{col: state.ColState, marks: map[string]bool{}, atTop: true}
}

// rebuild sorts the fleet again and refilters, keeping the cursor on the
// same device when it is still there.
func (l *deviceList) rebuild(f *state.Fleet, now time.Time) {
	l.sorted = append(l.sorted[:0], f.All()...)
	state.Sort(l.sorted, l.col, l.desc, now)
	l.refilter(now)
}

func (l *deviceList) refilter(now time.Time) {
	keep := ""
	if d := l.focused(); d != nil {
		keep = d.DeviceID
	}
	l.rows = l.filter.Apply(l.sorted, now, l.rows)
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
	l.clamp(0)
}

// setFilter applies an expression as it is typed. A syntax error is kept
// to show inline and the list stays as it was.
func (l *deviceList) setFilter(src string, now time.Time) {
	f, err := state.ParseFilter(src)
	l.filterErr = err
	if err != nil {
		return
	}
	l.filter = f
	l.refilter(now)
}

func (l *deviceList) focused() *state.Device {
	if l.cursor < 0 || l.cursor >= len(l.rows) {
		return nil
	}
	return l.rows[l.cursor]
}

// selectID moves the cursor to a device; false when it is not listed.
func (l *deviceList) selectID(id string) bool {
	for i, d := range l.rows {
		if d.DeviceID == id {
			l.cursor, l.atTop = i, false
			return true
		}
	}
	return false
}

func (l *deviceList) move(delta, height int) {
	l.cursor += delta
	l.atTop = l.cursor <= 0
	l.clamp(height)
}

func (l *deviceList) clamp(height int) {
	l.cursor = max(0, min(l.cursor, len(l.rows)-1))
	if height <= 0 {
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
func (l *deviceList) visibleIDs(height int) []string {
	end := min(len(l.rows), l.offset+height)
	ids := make([]string, 0, max(0, end-l.offset))
	for _, d := range l.rows[l.offset:end] {
		ids = append(ids, d.DeviceID)
	}
	return ids
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

func (l *deviceList) view(sh *shared, width, height int, active bool) string {
	now := sh.now()
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
	b.WriteString(sh.st.title.Render(fit("  "+strings.Join(head, " "), width)) + "\n")
	rows := height - 1
	end := min(len(l.rows), l.offset+rows)
	for i := l.offset; i < end; i++ {
		d := l.rows[i]
		h := d.Health(now)
		cells := make([]string, len(cols))
		for j, c := range cols {
			cells[j] = pad(cellText(d, c.col, h, now), c.width)
		}
		cursor, mark := " ", " "
		if i == l.cursor {
			cursor = "▶"
		}
		if l.marks[d.DeviceID] {
			mark = "•"
		}
		line := fit(cursor+mark+strings.Join(cells, " "), width)
		switch {
		case i == l.cursor && active:
			line = sh.st.selected.Render(pad(line, width))
		case i == l.cursor:
			line = sh.st.title.Render(line)
		default:
			// colour only the state cell; the rest stays plain for speed
			st := cells[len(cells)-1]
			line = strings.TrimSuffix(line, st) + sh.st.health(h).Render(st)
		}
		b.WriteString(line + "\n")
	}
	for i := end - l.offset; i < rows; i++ {
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
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
func (l *deviceList) title(total int) string {
	s := fmt.Sprintf("Devices %d", len(l.rows))
	if len(l.rows) != total {
		s = fmt.Sprintf("Devices %d of %d", len(l.rows), total)
	}
	if n := len(l.marks); n > 0 {
		s += fmt.Sprintf(" · %d marked", n)
	}
	return s + " · sort " + l.col.String() + map[bool]string{false: " ▲", true: " ▼"}[l.desc]
}

// pad cuts or pads s to exactly w cells.
func pad(s string, w int) string {
	sw := lipgloss.Width(s)
	if sw > w {
		r := []rune(s)
		for len(r) > 0 && lipgloss.Width(string(r))+1 > w {
			r = r[:len(r)-1]
		}
		if w <= 0 {
			return ""
		}
		return string(r) + "…"
	}
	return s + strings.Repeat(" ", w-sw)
}

// fit cuts a line to w cells without breaking escape sequences.
func fit(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	return lipgloss.NewStyle().MaxWidth(w).Render(s)
}
