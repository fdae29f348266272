package ui

import (
	"strings"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
	"sqc/ui/look"
	"sqc/ui/pane"
)

// heldNow says why nothing can be read now, when something holds every
// read (the network, the quota, the server's 429); nil when reads may go.
func (m *Model) heldNow() tea.Cmd {
	if m.sh.Locked == nil {
		return nil
	}
	until, why := m.sh.Locked.RetryNow()
	if why == "" {
		return nil
	}
	if !until.IsZero() {
		why += " (" + pane.Short(until.Sub(m.sh.Now())) + " more)"
	}
	return m.toast(why, true)
}

// onKey decides who gets a key: the quit keys first, then the login
// screen, the dialog, the help, the focused pane, then the console's own
// keys.
func (m *Model) onKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.sh.Keys
	if msg.Mod.Contains(tea.ModAlt) {
		// A key typed within the terminal's escape time after esc (tmux
		// waits 500 ms by default) arrives as one alt+key, with no text:
		// it is the two keys the user pressed, on every screen. sqc binds
		// no alt key, so nothing is lost.
		_, escCmd := m.onKey(tea.KeyPressMsg{Code: tea.KeyEscape})
		_, keyCmd := m.onKey(withoutAlt(msg))
		return m, tea.Batch(escCmd, keyCmd)
	}
	if m.quitKey(msg) {
		return m, m.quit()
	}
	if m.loggingIn {
		var cmd tea.Cmd
		m.login, cmd = m.login.update(msg)
		return m, cmd
	}
	if m.dialog != nil {
		p := m.dialog
		if time.Now().Before(p.GuardUntil) {
			return m, nil
		}
		done, cmd := p.Key(&m.sh.Common, msg)
		if done && m.dialog == p {
			m.dialog = nil
		}
		return m, cmd
	}
	if !m.helpOpen() && look.Matches(msg, k.Help) && !m.takesText() {
		// a form's choice takes no text: ? is the help's there too
		m.openHelp()
		return m, nil
	}
	if m.typing() {
		return m.paneKey(msg)
	}
	if look.Matches(msg, k.Suspend) {
		// fg brings it back; if the shell never does, what it knew is kept
		if err := m.saveNow(); err != nil {
			m.cfg.Log.Warn("could not save state before suspending", "err", err)
		}
		return m, tea.Suspend
	}
	if m.helpOpen() {
		if done, cmd := m.help.Key(msg); done {
			return m, cmd
		}
		if look.Matches(msg, k.Back, k.Quit, k.Help) {
			m.closeHelp()
		}
		return m, nil
	}
	if look.Matches(msg, k.Copy) {
		// a ticket just written: its path, before the pane's own y
		if cmd := m.takeOffer(); cmd != nil {
			return m, cmd
		}
	}
	if done, cmd := m.focused().Key(msg); done {
		return m, tea.Batch(cmd, m.focusChanged())
	}
	return m.consoleKey(msg)
}

// quitKey reports a key that quits from wherever the console is, before
// any dialog, form or pane sees it: ctrl+c always, Q unless a text
// cursor has the keys (there Q is a letter of what is typed).
func (m *Model) quitKey(msg tea.KeyPressMsg) bool {
	k := m.sh.Keys
	if look.Matches(msg, k.Interrupt) {
		return true
	}
	return look.Matches(msg, k.ForceQuit) && !m.takesText()
}

// takesText reports a text cursor that has the keys: the login's key,
// a text prompt, a filter or search, a form's typed field.
func (m *Model) takesText() bool {
	switch {
	case m.loggingIn:
		return m.login.stage == loginEntering
	case m.dialog != nil:
		return m.dialog.Input != nil
	case !m.typing():
		return false
	case m.helpOpen():
		return true
	case m.focused() == pane.Pane(m.add):
		return !m.add.Sending && !m.add.Form.Focused().Fixed // nothing is typed while it is sent
	case m.focused() == pane.Pane(m.mqtt):
		return !m.mqtt.Form.Focused().Fixed
	}
	return true
}

// withoutAlt is the key an alt+key carries, as the decoder gives it when
// typed alone: the decoder drops the text of an alt key, so the text is
// made again from the code (shifted when shift is held).
func withoutAlt(msg tea.KeyPressMsg) tea.KeyPressMsg {
	k := msg
	k.Mod &^= tea.ModAlt
	k.Text = ""
	if k.Mod&^tea.ModShift != 0 {
		return k // ctrl+c and the like carry no text
	}
	r := k.Code
	if k.Mod.Contains(tea.ModShift) {
		r = k.ShiftedCode
		if r == 0 {
			r = unicode.ToUpper(k.Code)
		}
	}
	if r <= unicode.MaxRune && unicode.IsPrint(r) {
		k.Text = string(r)
	}
	return k
}

// typing reports a text input that takes every key.
func (m *Model) typing() bool {
	if m.helpOpen() {
		return m.help.Typing()
	}
	return m.focused().Typing()
}

func (m *Model) paneKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	if m.helpOpen() {
		_, cmd = m.help.Key(msg)
		return m, cmd
	}
	_, cmd = m.focused().Key(msg)
	m.layout() // the filter's message may take or give back a line
	return m, tea.Batch(cmd, m.focusChanged())
}

// consoleKey handles the keys that are the console's, not a pane's.
func (m *Model) consoleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.sh.Keys
	sched := m.sh.Sched
	switch {
	case look.Matches(msg, k.Quit):
		if m.atHome() {
			return m, m.quit()
		}
		m.back()
	case look.Matches(msg, k.Back):
		return m, m.back()
	case look.Matches(msg, k.Open):
		if m.focused() != pane.Pane(m.list) {
			return m, nil
		}
		d := m.list.Focused()
		if d == nil {
			return m, nil
		}
		m.list.AtTop = false
		m.showRight(m.readings)
		if sched != nil && !m.readNow(state.KindData, d.DeviceID) {
			return m, m.toast(m.cannotRead(d.DeviceID), true)
		}
		return m, m.schedule()
	case look.Matches(msg, k.NextPane):
		if m.focus == onRight {
			m.focus = onList
		} else {
			m.focus = onRight
		}
		m.layout()
	case look.Matches(msg, k.Config) && len(m.list.Marks) > 0 && m.focused() == pane.Pane(m.list):
		if m.sh.ReadOnly {
			return m, m.toast(state.ErrReadOnly.Error(), true)
		}
		return m, m.bulk.OpenOn(m.markedDevices())
	case look.Matches(msg, k.Config):
		d := m.list.Focused()
		if d == nil {
			return m, nil
		}
		return m, m.config.OpenOn(d.Device, func() { m.showRight(m.config) })
	case look.Matches(msg, k.AddDevice) && m.focused() == pane.Pane(m.list):
		if m.sh.ReadOnly {
			return m, m.toast(state.ErrReadOnly.Error(), true)
		}
		if m.sh.Client == nil {
			return m, m.toast("no API key in use: nothing can be sent", true)
		}
		cmd := m.add.Open()
		m.showRight(m.add)
		return m, cmd
	case look.Matches(msg, k.MQTT) && m.focused() == pane.Pane(m.list):
		d := m.list.Focused()
		switch {
		case d == nil:
			return m, nil
		case m.sh.ReadOnly:
			return m, m.toast(state.ErrReadOnly.Error(), true)
		case m.sh.Client == nil:
			return m, m.toast("no API key in use: nothing can be sent", true)
		case m.mqtt.Running:
			m.showRight(m.mqtt)
			return m, m.toast("the MQTT set-up of "+m.mqtt.Dev.DeviceID+" is being sent: it shows here", false)
		}
		cmd := m.mqtt.Open(d.Device)
		m.showRight(m.mqtt)
		return m, cmd
	case look.Matches(msg, k.Quota):
		m.toggleRight(m.quota)
	case look.Matches(msg, k.Log):
		m.toggleRight(m.apiLog)
	case look.Matches(msg, k.Export) && m.focused() == pane.Pane(m.list):
		return m, m.askExport("")
	case look.Matches(msg, k.Refresh, k.RefreshList):
		lk := m.sh.Locked
		switch held := m.heldNow(); {
		case lk == nil:
			return m, nil
		case held != nil:
			return m, held
		case look.Matches(msg, k.RefreshList):
			if !lk.ReadNow(state.KindList, "") {
				// one listing per backoff after one stopped early: each may
				// spend 5% of the account's day
				return m, m.toast("not listed: the last listing stopped early and you have listed once since; "+m.listAgain(m.sh.Now()), true)
			}
			return m, tea.Batch(m.schedule(), m.toast("reading the device list (one request per 1,000 devices)", false))
		case m.focusID == "" || m.sh.Fleet.Len() == 0:
			lk.ReadNow(state.KindList, "") // nothing to read but the list
		case !lk.ReadNow(state.KindData, m.focusID):
			return m, tea.Batch(m.schedule(), m.toast(m.cannotRead(m.focusID), true))
		}
		return m, m.schedule()
	case look.Matches(msg, k.Copy):
		if d := m.list.Focused(); d != nil {
			return m, tea.Batch(tea.SetClipboard(d.DeviceID), m.toast(d.DeviceID+" sent to the terminal's clipboard (OSC 52)", false))
		}
	case look.Matches(msg, k.Pause):
		if lk := m.sh.Locked; sched != nil && lk != nil {
			lk.SetPaused(!sched.Paused())
			if sched.Paused() {
				return m, m.toast("live refresh paused: p resumes, r reads once", false)
			}
			return m, tea.Batch(m.toast("live refresh resumed", false), m.schedule())
		}
	case look.Matches(msg, k.Mouse):
		m.mouse = !m.mouse
		return m, m.toast(map[bool]string{true: "mouse on: wheel scrolls, click selects", false: "mouse off: the terminal selects text again"}[m.mouse], false)
	default:
		if h, ok := m.panes[pane.PaneHistory].(*pane.HistoryPane); ok && m.focused() == pane.Pane(m.list) && look.Matches(msg, h.TicketKey()) {
			return m, h.Ticket(m.list.Focused())
		}
		return m, m.openByKey(msg)
	}
	return m, nil
}

// openByKey opens the registered pane whose key msg is, from the list, on
// the device in focus.
func (m *Model) openByKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.focused() != pane.Pane(m.list) {
		return nil
	}
	for _, o := range m.openers {
		if !look.Matches(msg, o.Opens().B) {
			continue
		}
		d := m.list.Focused()
		if d == nil {
			return nil
		}
		cmd := o.Show(d.Device)
		m.showRight(o)
		return cmd
	}
	return nil
}

// readNow asks the engine for a read at once, through the console's
// view; false when it cannot be queued, or there is no engine.
func (m *Model) readNow(kind state.Kind, id string) bool {
	switch {
	case m.sh.Locked != nil:
		return m.sh.Locked.ReadNow(kind, id)
	case m.sh.View != nil:
		return m.sh.View.ReadNow(kind, id)
	}
	return false
}

// ask opens a dialog over the screen.
func (m *Model) ask(p *look.Prompt) { m.dialog = p }

// seek focuses a device once the device list has it, and asks for the list.
func (m *Model) seek(id string) {
	m.wantDevice = id
	m.readNow(state.KindList, "")
}

func (m *Model) onPaste(msg tea.PasteMsg) (tea.Model, tea.Cmd) {
	switch {
	case m.loggingIn:
		var cmd tea.Cmd
		m.login, cmd = m.login.update(msg)
		return m, cmd
	case m.dialog != nil:
		return m, m.dialog.Paste(msg)
	case m.focused() == pane.Pane(m.config):
		return m, m.config.Paste(msg)
	case m.focused() == pane.Pane(m.add):
		return m, m.add.Paste(msg)
	case m.focused() == pane.Pane(m.mqtt):
		return m, m.mqtt.Paste(msg)
	}
	return m, m.list.Paste(msg)
}

// askExport asks where to export the list: the marked devices when there
// are marks, else the devices the filter shows. After a failure it asks
// again with the name typed and the reason.
func (m *Model) askExport(failed string, why ...string) tea.Cmd {
	rows := m.list.Idx.Rows(0, m.list.Idx.Len(), nil)
	what := "the " + look.Plural(len(rows), "device") + " shown"
	if len(m.list.Marks) > 0 {
		rows = m.list.Marked()
		what = "the " + look.Plural(len(rows), "marked device")
	}
	if len(rows) == 0 {
		return m.toast("nothing to export: the list is empty", true)
	}
	name := look.DefaultExportPath(m.sh.Now())
	if failed != "" {
		name = failed
	}
	now := m.sh.Now
	m.dialog = look.NewTextPrompt("Export "+what, []string{"A name ending in .json writes JSON; anything else CSV."}, "export to › ", name,
		func(value string, ok bool) (tea.Cmd, error) {
			if !ok {
				return look.Say("export cancelled", false), nil
			}
			path := strings.TrimSpace(value)
			if path == "" {
				return nil, look.ErrEmptyExport
			}
			return look.ExportDevices(path, rows, now(), func(typed, why string) tea.Cmd { return m.askExport(typed, why) }), nil
		})
	if len(why) > 0 {
		m.dialog.Err = why[0]
	}
	return nil
}

// cannotRead says why a device's data cannot be read now.
func (m *Model) cannotRead(id string) string {
	if _, why := m.sh.Sched.Hold(id); why != "" {
		return id + ": " + why
	}
	if d := m.sh.Fleet.Get(id); d != nil && !d.CanReadData() {
		return id + ": plan " + d.Plan + " allows no data reads"
	}
	if d := m.sh.Fleet.Get(id); d != nil && d.Seen().IsZero() {
		return id + " has never sent anything: there is nothing to read"
	}
	return id + ": cannot be read now"
}

// quit ends the program. Nothing is saved on the UI's goroutine, so that
// q gives the terminal back at once: the engine saves today's count and
// the screen's data once the program has ended (finish, in exit.go).
func (m *Model) quit() tea.Cmd { return tea.Quit }

// markedDevices are the marked devices in the list's order, those the
// filter hides included.
func (m *Model) markedDevices() []api.Device {
	var out []api.Device
	for _, d := range m.list.Marked() {
		out = append(out, d.Device)
	}
	return out
}
