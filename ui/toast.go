package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/ui/look"
)

// toast is a short message in the footer. Each has an id, so the timeout
// of an old toast never removes a newer one.
type toast struct {
	id    int
	text  string
	isErr bool
}

type toastExpiredMsg struct{ id int }

const toastFor = 4 * time.Second

// toast shows text (server strings in it are cleaned) for a few seconds;
// an error stays twice as long.
func (m *Model) toast(text string, isErr bool) tea.Cmd {
	m.toastSeq++
	id := m.toastSeq
	m.toasts = append(m.toasts, toast{id: id, text: look.Clean(text), isErr: isErr})
	if len(m.toasts) > 3 {
		m.toasts = m.toasts[len(m.toasts)-3:]
	}
	m.layout() // a long toast takes a second line
	d := toastFor
	if isErr {
		d *= 2
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return toastExpiredMsg{id: id} })
}

func (m *Model) expireToast(id int) {
	for i, t := range m.toasts {
		if t.id == id {
			m.toasts = append(m.toasts[:i], m.toasts[i+1:]...)
			m.layout()
			return
		}
	}
}

// settle drops what was said about the view the user has left: a note
// about one pane is noise over the next. Errors stay their time.
func (m *Model) settle() {
	kept := m.toasts[:0]
	for _, t := range m.toasts {
		if t.isErr {
			kept = append(kept, t)
		}
	}
	m.toasts = kept
}
