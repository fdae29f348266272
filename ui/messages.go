package ui

import tea "charm.land/bubbletea/v2"

// secondMsg redraws the ages and countdowns once a second.
type secondMsg struct{}

// toastMsg asks the console to show a toast: how a pane says something.
type toastMsg struct {
	text  string
	isErr bool
}

func say(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return toastMsg{text: text, isErr: isErr} }
}
