package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// toast is a short message at the bottom right. Each has an id, so the
// timeout of an old toast never removes a newer one.
type toast struct {
	id    int
	text  string
	isErr bool
}

type toastExpiredMsg struct{ id int }

const toastFor = 4 * time.Second

func (m *Model) toast(text string, isErr bool) tea.Cmd {
	m.toastSeq++
	id := m.toastSeq
	m.toasts = append(m.toasts, toast{id: id, text: text, isErr: isErr})
	if len(m.toasts) > 3 {
		m.toasts = m.toasts[len(m.toasts)-3:]
	}
	return tea.Tick(toastFor, func(time.Time) tea.Msg { return toastExpiredMsg{id: id} })
}

func (m *Model) expireToast(id int) {
	for i, t := range m.toasts {
		if t.id == id {
			m.toasts = append(m.toasts[:i], m.toasts[i+1:]...)
			return
		}
	}
}
