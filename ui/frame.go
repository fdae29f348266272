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
type frameCache struct {
	content string
	draw    bool // something the user did (or a frame tick) is waiting to be seen
	ticking bool // a frame tick is on its way
}

type frameMsg struct{}

// Update folds one message into the model and decides when it is drawn.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	before := m.dialog
	up, cmd := m.update(msg)
	next := up.(*Model)
	next.settleDialogs(before, userMsg(msg))
	f := next.frame
	switch msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg, tea.MouseClickMsg, tea.MouseWheelMsg, tea.WindowSizeMsg, tea.BackgroundColorMsg, frameMsg:
		f.draw = true
	default:
		if !f.ticking {
			f.ticking = true
			cmd = tea.Batch(cmd, tea.Tick(frameEvery, func(time.Time) tea.Msg { return frameMsg{} }))
		}
	}
	if f.draw {
		next.sh.observe()
	}
	return next, cmd
}

func userMsg(msg tea.Msg) bool {
	switch msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg, tea.MouseClickMsg, tea.MouseWheelMsg:
		return true
	}
	return false
}

// dialogGuard: a dialog an answer opens can appear between two keys the
// user is typing for the pane beneath; for this long it takes no key.
const dialogGuard = 300 * time.Millisecond

// settleDialogs keeps a dialog the user is reading in front: one an
// answer opened over it waits its turn, and one that appears by itself
// (an answer, or the next in line) ignores keys for the guard's time.
func (m *Model) settleDialogs(before *prompt, user bool) {
	if !user && m.dialog != before && m.dialog != nil {
		if before != nil {
			m.dialogs = append(m.dialogs, m.dialog)
			m.dialog = before
		} else {
			m.guard(m.dialog)
		}
	}
	if m.dialog == nil && len(m.dialogs) > 0 {
		m.dialog, m.dialogs = m.dialogs[0], m.dialogs[1:]
		m.guard(m.dialog)
	}
}

func (m *Model) guard(p *prompt) {
	if m.cfg.DialogGuard > 0 {
		p.guardUntil = time.Now().Add(m.cfg.DialogGuard) // the user's time, not the console's clock
	}
}

// frame is the screen to show: drawn anew when something is waiting to be
// seen, else the last one.
func (m *Model) drawn() string {
	f := m.frame
	if f.draw || f.content == "" {
		f.content, f.draw = m.render(), false
	}
	return f.content
}
