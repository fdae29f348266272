package ui

import "sqc/ui/pane"

// register adds a pane that opens on the right: the layout sizes it, the
// help lists its keys (in the order registered), the answers addressed to
// id reach its Update ("" for a pane that takes none), and a pane.Opener
// is offered in the footer and opened by its key from the device list.
func (m *Model) register(id pane.ID, p pane.Pane) {
	m.beside = append(m.beside, p)
	if id != "" {
		m.panes[id] = p
	}
	if o, ok := p.(pane.Opener); ok {
		m.openers = append(m.openers, o)
	}
}
