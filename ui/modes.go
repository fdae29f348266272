package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sqc/state"
)

// onKey gives a key to whoever the mode says owns it.
func (m Model) onKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if msg.String() == "ctrl+c" {
		return m, tea.Quit
	}
	switch m.mode {
	case modeLogin:
		var cmd tea.Cmd
		m.login, cmd = m.login.update(msg)
		return m, cmd
	case modeHelp:
		return m.helpKey(msg)
	case modeFilter:
		return m.filterKey(msg)
	case modePrompt:
		return m.promptKey(msg)
	}
	return m.normalKey(msg)
}

func (m Model) onPaste(msg tea.PasteMsg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.mode {
	case modeLogin:
		m.login, cmd = m.login.update(msg)
	case modeFilter:
		m.filterIn, cmd = m.filterIn.Update(msg)
		m.list.setFilter(m.filterIn.Value(), m.sh.now())
	case modePrompt:
		m.promptIn, cmd = m.promptIn.Update(msg)
	}
	return m, cmd
}

func (m Model) helpKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	s := msg.String()
	if m.helpTyping {
		switch s {
		case "esc":
			m.helpTyping, m.helpFilter = false, ""
		case "enter":
			m.helpTyping = false
		case "backspace":
			if r := []rune(m.helpFilter); len(r) > 0 {
				m.helpFilter = string(r[:len(r)-1])
			}
		default:
			if msg.Text != "" {
				m.helpFilter += msg.Text
			}
		}
		return m, nil
	}
	switch s {
	case "/":
		m.helpTyping = true
	case "esc", "?", "q":
		m.mode, m.helpFilter = modeNormal, ""
	}
	return m, nil
}

func (m Model) filterKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "esc":
		m.filterIn.SetValue("")
		m.list.setFilter("", m.sh.now())
		m.mode = modeNormal
		return m, m.focusChanged()
	case "enter":
		if m.list.filterErr == nil {
			m.mode = modeNormal
			m.list.atTop = false // the user picked what to look at: follow it
		}
		return m, m.focusChanged()
	case "up", "down":
		d := map[string]int{"up": -1, "down": 1}[msg.String()]
		m.list.move(d, m.listHeight())
		return m, m.focusChanged()
	}
	var cmd tea.Cmd
	m.filterIn, cmd = m.filterIn.Update(msg)
	m.list.setFilter(m.filterIn.Value(), m.sh.now())
	m.list.clamp(m.listHeight())
	return m, cmd
}

func (m Model) promptKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "esc":
		m.mode = modeNormal
		return m, m.toast("export cancelled", false)
	case "enter":
		path := strings.TrimSpace(m.promptIn.Value())
		if path == "" {
			return m, m.toast("give a file name ending in .csv or .json", true)
		}
		m.mode = modeNormal
		return m, exportDevices(path, m.list.rows, m.sh.now())
	}
	var cmd tea.Cmd
	m.promptIn, cmd = m.promptIn.Update(msg)
	return m, cmd
}

func (m Model) normalKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.sh.keys
	h := m.listHeight()
	moveBy := func(delta int) (tea.Model, tea.Cmd) {
		if m.rightActive || m.detail {
			m.scroll = max(0, m.scroll+delta)
			return m, nil
		}
		m.list.move(delta, h)
		return m, m.focusChanged()
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.mode = modeHelp
	case key.Matches(msg, k.Up):
		return moveBy(-1)
	case key.Matches(msg, k.Down):
		return moveBy(1)
	case key.Matches(msg, k.PageUp):
		return moveBy(-h)
	case key.Matches(msg, k.PageDown):
		return moveBy(h)
	case key.Matches(msg, k.Top):
		return moveBy(-len(m.list.rows) - m.scroll)
	case key.Matches(msg, k.Bottom):
		return moveBy(len(m.list.rows) + 1000)
	case key.Matches(msg, k.Filter):
		m.mode = modeFilter
		m.filterIn.SetValue(m.list.filter.String())
		m.filterIn.CursorEnd()
		return m, m.filterIn.Focus()
	case key.Matches(msg, k.Open):
		d := m.list.focused()
		if d == nil {
			return m, nil
		}
		m.list.atTop = false
		m.right, m.scroll = paneReadings, 0
		if m.narrow() {
			m.detail = true
		}
		if m.sched != nil && !m.sched.Ask(state.KindData, d.DeviceID) {
			return m, m.toast(d.DeviceID+": plan "+d.Plan+" allows no data reads", true)
		}
		return m, m.schedule()
	case key.Matches(msg, k.Back):
		switch {
		case m.detail:
			m.detail = false
		case m.rightActive:
			m.rightActive = false
		case m.right != paneReadings:
			m.right, m.scroll = paneReadings, 0
		case !m.list.filter.Empty():
			m.filterIn.SetValue("")
			m.list.setFilter("", m.sh.now())
			return m, m.focusChanged()
		}
	case key.Matches(msg, k.NextPane):
		if m.narrow() {
			m.detail = !m.detail
		} else {
			m.rightActive = !m.rightActive
		}
	case key.Matches(msg, k.Sort):
		m.list.col = m.list.col.Next()
		m.list.rebuild(m.fleet, m.sh.now())
		m.list.clamp(h)
	case key.Matches(msg, k.SortReverse):
		m.list.desc = !m.list.desc
		m.list.rebuild(m.fleet, m.sh.now())
		m.list.clamp(h)
	case key.Matches(msg, k.Mark):
		if d := m.list.focused(); d != nil {
			if m.list.marks[d.DeviceID] {
				delete(m.list.marks, d.DeviceID)
			} else {
				m.list.marks[d.DeviceID] = true
			}
			m.list.move(1, h)
			return m, m.focusChanged()
		}
	case key.Matches(msg, k.Copy):
		if d := m.list.focused(); d != nil {
			return m, tea.Batch(tea.SetClipboard(d.DeviceID), m.toast("copied "+d.DeviceID, false))
		}
	case key.Matches(msg, k.Export):
		if len(m.list.rows) == 0 {
			return m, m.toast("nothing to export: the list is empty", true)
		}
		m.mode = modePrompt
		m.promptIn.SetValue(defaultExportPath(m.sh.now()))
		m.promptIn.CursorEnd()
		return m, m.promptIn.Focus()
	case key.Matches(msg, k.Refresh):
		if m.sched == nil {
			return m, nil
		}
		m.sched.Retry()
		m.sched.Ask(state.KindList, "")
		if m.focusID != "" {
			m.sched.Ask(state.KindData, m.focusID)
		}
		return m, m.schedule()
	case key.Matches(msg, k.Pause):
		if m.sched != nil {
			m.sched.SetPaused(!m.sched.Paused())
			if m.sched.Paused() {
				return m, m.toast("live refresh paused: p resumes, r reads once", false)
			}
			return m, tea.Batch(m.toast("live refresh resumed", false), m.schedule())
		}
	case key.Matches(msg, k.Quota):
		m.showRight(toggle(m.right, paneQuota))
	case key.Matches(msg, k.Log):
		m.showRight(toggle(m.right, paneLog))
	case key.Matches(msg, k.Mouse):
		m.mouse = !m.mouse
		return m, m.toast(map[bool]string{true: "mouse on: wheel scrolls, click selects", false: "mouse off: the terminal selects text again"}[m.mouse], false)
	}
	return m, nil
}

// showRight puts a pane on the right; on a narrow screen, where the right
// pane replaces the list, the quota and the log take the screen and
// going back to the readings returns to the list.
func (m *Model) showRight(p rightPane) {
	m.right, m.scroll = p, 0
	if m.narrow() {
		m.detail = p != paneReadings
	}
}

func toggle(cur, p rightPane) rightPane {
	if cur == p {
		return paneReadings
	}
	return p
}
