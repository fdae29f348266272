package ui

import "sqc/ui/pane"

// tellTeam tells the engine what this console has open (its focused
// device and the pane beside the list), for the other consoles' quota
// meters. Called after every message: the engine passes it on only when
// it changed, and takes none of its own locks for it.
func (m *Model) tellTeam() {
	if m.sh.View != nil {
		m.sh.View.Show(m.focusID, m.paneName(m.right()))
	}
}

// paneName names a pane for the team.
func (m *Model) paneName(p pane.Pane) string {
	switch p {
	case pane.Pane(m.readings):
		return "readings"
	case pane.Pane(m.quota):
		return "quota"
	case pane.Pane(m.apiLog):
		return "API log"
	case pane.Pane(m.inbox):
		return "inbox"
	}
	for id, q := range m.panes {
		if q == p {
			return string(id)
		}
	}
	return ""
}
