package look

import tea "charm.land/bubbletea/v2"

// SecondMsg redraws the ages and countdowns once a second.
type SecondMsg struct{}

// ToastMsg asks the console to show a toast: how a pane says something.
type ToastMsg struct {
	Text  string
	IsErr bool
}

func Say(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return ToastMsg{Text: text, IsErr: isErr} }
}
