package ui

import (
	tea "charm.land/bubbletea/v2"

	"sqc/state/live"
	"sqc/ui/pane"
)

// shownHistory is the history pane when it is on screen beside the list.
func (m *Model) shownHistory() *pane.HistoryPane {
	h, ok := m.panes[pane.PaneHistory].(*pane.HistoryPane)
	if !ok || m.right() != pane.Pane(h) {
		return nil
	}
	return h
}

// historyArrived tells the history pane on screen of the devices the
// engine read anew, as the readings learn of them: a range that ends at
// now takes in the new messages without a fetch.
func (m *Model) historyArrived(c live.Changes) tea.Cmd {
	h := m.shownHistory()
	if h == nil || h.Device() == "" {
		return nil
	}
	if _, ok := c.Devices[h.Device()]; !ok {
		return nil
	}
	return h.Arrived(h.Device())
}

// historyTick moves the end of a history range that ends at now.
func (m *Model) historyTick() {
	if h := m.shownHistory(); h != nil {
		h.Tick()
	}
}
