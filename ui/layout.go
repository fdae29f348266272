package ui

import (
	tea "charm.land/bubbletea/v2"

	"sqc/ui/look"
	"sqc/ui/pane"
)

// The layout is a stack of panes and a focus. The stack is what is open
// beside the list: the readings at the bottom, a pane opened over them
// (config, quota, a form…) above, and the help over everything when it
// is open; back pops it. The focus says which side has the keys: the
// list, or the pane on the right (on a narrow screen, the side that has
// the screen). The help, while open, has the keys whatever the focus.

// side is where the keys are.
type side int

const (
	onList side = iota
	onRight
)

// opened is a pane on the stack and the side that had the keys when it
// opened: back gives them back there.
type opened struct {
	p    pane.Pane
	from side
}

// right is the pane the right side shows: the top of the stack under the
// help.
func (m *Model) right() pane.Pane {
	for i := len(m.stack) - 1; i >= 0; i-- {
		if m.stack[i].p != pane.Pane(m.help) {
			return m.stack[i].p
		}
	}
	return m.readings
}

// helpOpen reports the help over the screen.
func (m *Model) helpOpen() bool {
	n := len(m.stack)
	return n > 0 && m.stack[n-1].p == pane.Pane(m.help)
}

func (m *Model) openHelp() {
	m.help.Open()
	m.stack = append(m.stack, opened{p: m.help, from: m.focus})
}

func (m *Model) closeHelp() {
	if m.helpOpen() {
		m.stack = m.stack[:len(m.stack)-1]
	}
}

// underHelp changes the right side beneath the help, if it is open: an
// answer that opens or closes a pane leaves the help in front.
func (m *Model) underHelp(f func()) {
	if !m.helpOpen() {
		f()
		return
	}
	top := m.stack[len(m.stack)-1]
	m.stack = m.stack[:len(m.stack)-1]
	f()
	m.stack = append(m.stack, top)
}

// focused is the pane that gets keys first.
func (m *Model) focused() pane.Pane {
	if m.focus == onRight {
		return m.right()
	}
	return m.list
}

// atHome reports the device list with nothing over it: where q quits.
func (m *Model) atHome() bool {
	return m.focus == onList && m.right() == pane.Pane(m.readings)
}

// showRight puts a pane on the right and gives it the keys; on a narrow
// screen it takes the screen. A pane opened over another takes its place:
// back goes where the first was opened from.
func (m *Model) showRight(p pane.Pane) {
	m.settle()
	m.underHelp(func() {
		switch {
		case p == pane.Pane(m.readings):
			m.stack = m.stack[:1]
		case m.right() == pane.Pane(m.readings):
			m.stack = append(m.stack, opened{p: p, from: m.focus})
		default:
			m.stack[len(m.stack)-1].p = p
		}
	})
	if m.narrow() || p != pane.Pane(m.readings) {
		m.focus = onRight
	}
	if s, ok := p.(interface{ Reset() }); ok {
		s.Reset()
	}
	m.layout()
}

// back closes what is in front: a pane over the readings, the right
// pane's keys, the filter, the marks (asked first).
func (m *Model) back() tea.Cmd {
	m.settle()
	defer m.layout()
	switch {
	case m.right() != pane.Pane(m.readings):
		// back to where the pane was opened from: the readings, or the list
		m.underHelp(func() {
			top := m.stack[len(m.stack)-1]
			m.stack = m.stack[:len(m.stack)-1]
			m.focus = top.from
		})
	case m.focus == onRight:
		m.focus = onList
	case m.list.ClearFilter():
		return m.focusChanged()
	case len(m.list.Marks) > 0 && m.focused() == pane.Pane(m.list):
		n := len(m.list.Marks)
		marks := m.list.Marks
		m.dialog = look.NewQuestion("Clear the marks", []string{look.Plural(n, "device") + " marked."}, "Clear "+look.Plural(n, "mark")+"?",
			"clear", "keep them", func(yes bool) tea.Cmd {
				if yes {
					clear(marks)
				}
				return nil
			})
	}
	return nil
}

// leave goes back from p when it is showing.
func (m *Model) leave(p pane.Pane) tea.Cmd {
	if m.right() != p {
		return nil
	}
	return m.back()
}

// toggleRight shows p, or goes back when it is already showing.
func (m *Model) toggleRight(p pane.Pane) {
	if m.right() == p {
		m.back()
		return
	}
	m.showRight(p)
}
