package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"sqc/ui/pane"
)

// draftsNotice says, once at start, which drafts are waiting.
func (m *Model) draftsNotice() tea.Cmd {
	if err := m.sh.DraftsErr; err != nil {
		return m.toast("a saved draft could not be read: "+err.Error(), true)
	}
	switch n := len(m.sh.Drafts); n {
	case 0:
		return nil
	case 1:
		for id := range m.sh.Drafts {
			return m.toast(id+" has an unsent config draft ("+pane.DraftGlyph+" in the list): c on it offers it back", false)
		}
	default:
		return m.toast(fmt.Sprintf("%d devices have unsent config drafts (%s in the list): c on one offers it back", n, pane.DraftGlyph), false)
	}
	return nil
}
