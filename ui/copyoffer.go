package ui

import (
	tea "charm.land/bubbletea/v2"

	"sqc/ui/look"
	"sqc/ui/pane"
)

// copyOffer is something other than the focused device's ID that y
// copies while the toast that offered it is up: the path of a ticket
// just written, wherever the console is.
type copyOffer struct {
	text  string
	toast int // the toast's id: the offer ends with it
}

// offerer is a pane that, after an answer, may have something to offer y.
type offerer interface{ TakeCopyOffer() string }

// noteOffer records what a pane offers after an answer, tied to the toast
// the pane showed last.
func (m *Model) noteOffer(p pane.Pane) {
	o, ok := p.(offerer)
	if !ok {
		return
	}
	text := o.TakeCopyOffer()
	if text != "" {
		m.offer = copyOffer{text: text, toast: m.toastSeq}
	}
}

// takeOffer copies what is offered, once, while its toast is up; nil when
// nothing is.
func (m *Model) takeOffer() tea.Cmd {
	o := m.offer
	m.offer = copyOffer{}
	if o.text == "" {
		return nil
	}
	for _, t := range m.toasts {
		if t.id == o.toast {
			return tea.Batch(tea.SetClipboard(o.text), m.toast(look.TildePath(o.text)+" sent to the terminal's clipboard (OSC 52)", false))
		}
	}
	return nil
}
