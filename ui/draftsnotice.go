package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"sqc/ui/pane"
)

// draftsNotice says, once at start, which drafts are waiting, and what
// opening the database set aside or could not do.
func (m *Model) draftsNotice() tea.Cmd {
	var said []tea.Cmd
	if err := m.sh.DBErr; err != nil {
		said = append(said, m.toast("the state database could not be opened ("+err.Error()+"): drafts are kept only until the console quits, no bulk change can be sent, and the quota ledger counts in memory only", true))
	}
	if m.sh.DB != nil {
		for _, n := range m.sh.DB.Notes {
			said = append(said, m.toast(n, true))
		}
	}
	if err := m.sh.DraftsErr; err != nil && m.sh.DBErr == nil {
		said = append(said, m.toast("the saved drafts could not be read: "+err.Error(), true))
	}
	switch n := len(m.sh.Drafts); n {
	case 0:
	case 1:
		for id := range m.sh.Drafts {
			said = append(said, m.toast(id+" has an unsent config draft ("+pane.DraftGlyph+" in the list): c on it offers it back", false))
		}
	default:
		said = append(said, m.toast(fmt.Sprintf("%d devices have unsent config drafts (%s in the list): c on one offers it back", n, pane.DraftGlyph), false))
	}
	return tea.Batch(said...)
}
