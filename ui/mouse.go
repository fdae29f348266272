package ui

import (
	tea "charm.land/bubbletea/v2"
)

// mousePane is a pane beside the list that takes the mouse itself, in
// its own cells (the history's chart).
type mousePane interface {
	Mouse(m tea.Mouse, wheel bool) (bool, tea.Cmd)
}

// paneMouse gives a click or a wheel over the pane beside the list to
// that pane, when it takes the mouse; false leaves it to the list.
func (m *Model) paneMouse(ms tea.Mouse, wheel bool) (bool, tea.Cmd) {
	p, ok := m.right().(mousePane)
	if !ok {
		return false, nil
	}
	x := ms.X - m.listWidth() - 2 // the separator and the pane's left padding
	if m.narrow() {
		if m.focus != onRight {
			return false, nil
		}
		x = ms.X - 1
	}
	local := ms
	local.X, local.Y = x, ms.Y-1 // the pane starts below the header
	if local.X < 0 || local.Y < 0 || local.Y >= m.bodyHeight() {
		return false, nil
	}
	return p.Mouse(local, wheel)
}
