package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// Bubble Tea draws after every message. Answers can arrive by the hundred
// a second on a large fleet, and a frame costs a millisecond or more, so
// the console draws what the user did at once and everything else at most
// once a frame interval: answers are folded as they come, and the screen
// catches up on the next frame tick.
const frameEvery = 50 * time.Millisecond

// frameCache is the last frame drawn and whether the next View must draw.
// It is shared by the copies of the model, like the panes.
type frameCache struct {
	content string
	draw    bool // something the user did (or a frame tick) is waiting to be seen
	ticking bool // a frame tick is on its way
}

type frameMsg struct{}

// Update folds one message into the model and decides when it is drawn.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	next, cmd := m.update(msg)
	f := next.(Model).frame
	switch msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg, tea.MouseClickMsg, tea.MouseWheelMsg, tea.WindowSizeMsg, tea.BackgroundColorMsg, frameMsg:
		f.draw = true
	default:
		if !f.ticking {
			f.ticking = true
			cmd = tea.Batch(cmd, tea.Tick(frameEvery, func(time.Time) tea.Msg { return frameMsg{} }))
		}
	}
	return next, cmd
}

// frame is the screen to show: drawn anew when something is waiting to be
// seen, else the last one.
func (m Model) drawn() string {
	f := m.frame
	if f.draw || f.content == "" {
		f.content, f.draw = m.render(), false
	}
	return f.content
}
