package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/ui/look"
)

// Bubble Tea draws after every message. Answers can arrive by the hundred
// a second on a large fleet, and a frame costs a millisecond or more, so
// the console draws what the user did at once and everything else at most
// once every frameEvery: answers are folded as they come, and the screen
// catches up on the next frame tick.
const frameEvery = 50 * time.Millisecond

// frameRate is how often Bubble Tea's renderer may write the terminal. It
// writes only on its ticker, so a key waits for the next tick: a filter
// keystroke at 50,000 devices reached the screen in 52-60 ms at the 90th
// percentile at 20 a second, 18-19 ms at 60, 12 ms at 120 (Bubble Tea's
// most). Since Bubble Tea 2.2 the ticker stops half a second after the
// last frame that changed and starts again with the next message, but
// the once a second clock keeps it running half of every second. An idle
// console at 60 devices spent 0.43-0.46 s of CPU a minute at 60, about
// what it spent at 20 with the old renderer (0.37-0.39 s), and 0.5-0.6 s
// at 90, 0.57-0.74 s at 120, while htop spent 0.23-0.52 s in the same
// minutes: 60 is the fastest rate that costs an idle console no more
// than the old 20 did.
const frameRate = 60

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
	seen := m.seenBy(msg)
	up, cmd := m.update(msg)
	next := up.(*Model)
	cmd = tea.Batch(cmd, next.alarmNotice(msg))
	next.settleDialogs(before, userMsg(msg))
	f := next.frame
	switch msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg, tea.MouseClickMsg, tea.MouseWheelMsg, tea.WindowSizeMsg, tea.BackgroundColorMsg, frameMsg:
		f.draw = true
	default:
		if seen.unseen(next, msg) {
			// nothing on screen changed but what the clock redraws: the
			// next second's frame shows it
			break
		}
		if !f.ticking {
			f.ticking = true
			cmd = tea.Batch(cmd, tea.Tick(frameEvery, func(time.Time) tea.Msg { return frameMsg{} }))
		}
	}
	if f.draw {
		next.sh.Observe()
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
func (m *Model) settleDialogs(before *look.Prompt, user bool) {
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

func (m *Model) guard(p *look.Prompt) {
	if m.cfg.DialogGuard > 0 {
		p.GuardUntil = time.Now().Add(m.cfg.DialogGuard) // the user's time, not the console's clock
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

// glance is what a message could change on screen, taken before it is
// folded in.
type glance struct {
	home    bool // the device list and the readings, nothing over them
	toasts  int
	visible bool // the device the message is about is on screen
}

func (m *Model) seenBy(msg tea.Msg) glance {
	g := glance{home: m.atHome() && m.dialog == nil && !m.helpOpen() && !m.loggingIn, toasts: m.toastSeq}
	if e, ok := msg.(engineMsg); ok && g.home {
		for id := range e.c.Devices {
			if m.onScreen(id) {
				g.visible = true
				break
			}
		}
	}
	return g
}

// unseen reports a message that changed nothing on screen that the once a
// second frame would not show as well: answers about devices that were
// not on screen and are not now (at 50,000 devices nearly every answer),
// while the list and the readings are shown and the first pass (whose
// count the header shows) is over. The header's quota gauge catches up
// with the clock's frame.
func (g glance) unseen(m *Model, msg tea.Msg) bool {
	if !g.home || m.toastSeq != g.toasts || m.dialog != nil || !(m.atHome() && !m.helpOpen() && !m.loggingIn) {
		return false
	}
	e, ok := msg.(engineMsg)
	if !ok || g.visible || !m.passDone {
		return false
	}
	c := e.c
	if c.List || len(c.Lists) > 0 || c.Conn || c.KeyRefused != nil || len(c.Writes) > 0 || c.SaveErr != nil || c.Closed {
		return false
	}
	for id := range c.Devices {
		if m.onScreen(id) {
			return false
		}
	}
	return true
}

// onScreen reports a device on the list's visible rows or in the readings.
func (m *Model) onScreen(id string) bool {
	if id == m.focusID {
		return true
	}
	return m.list.Idx.Within(id, m.list.Offset, m.list.Offset+m.list.RowsHeight())
}
