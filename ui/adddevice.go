package ui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
	"sqc/state/live"
)

// addPane is the form that adds a device to the account: its ID from the
// label, a group, and its setup password when the server asks for one.
type addPane struct {
	sh       *shared
	con      console
	ctx      context.Context
	w, h     int
	form     form
	id       *field
	group    *field
	password *field
	groups   map[string]string // group name → id, from the device list
	needPass bool
	sending  bool
	seq      int // the engine's number of the request out
	status   string
	isErr    bool
}

func newAddPane(ctx context.Context, sh *shared, con console) *addPane {
	p := &addPane{sh: sh, con: con, ctx: ctx}
	p.id = newField("Device ID", "9 letters or digits, printed under the lid or on the box", "JDA54E19F", func(v string) string {
		if _, err := api.NormaliseDeviceID(v); err != nil {
			n := len(strings.TrimSpace(v))
			if n < 9 {
				return fmt.Sprintf("%d of 9 letters or digits", n)
			}
			return err.Error()
		}
		return ""
	})
	p.id.upper = true
	p.group = newField("Group", "one of the account's groups (↑/↓ pick), or a new group's name; empty: the account's default", "", nil)
	p.password = newField("Setup password", "the device is registered elsewhere: its setup password comes with it", "", func(v string) string {
		if strings.TrimSpace(v) == "" {
			return "the server asks for the device's setup password"
		}
		return ""
	})
	p.password.in.EchoMode = textinput.EchoPassword
	p.password.in.EchoCharacter = '•'
	return p
}

// open starts an empty form, offering the account's groups.
func (p *addPane) open() tea.Cmd {
	p.groups = map[string]string{}
	for _, d := range p.sh.fleet.All() {
		if d.GroupName != "" {
			p.groups[d.GroupName] = d.GroupID
		}
	}
	names := make([]string, 0, len(p.groups))
	for n := range p.groups {
		names = append(names, n)
	}
	sort.Strings(names)
	p.id.reset()
	p.group.reset()
	p.password.reset()
	p.group.options = names
	p.needPass, p.sending, p.status, p.isErr = false, false, "", false
	p.form = form{sh: &p.sh.common, fields: []*field{p.id, p.group}}
	return p.form.focusOn(0)
}

func (p *addPane) setSize(w, h int)        { p.w, p.h = w, h }
func (p *addPane) typing() bool            { return true }
func (p *addPane) helpGroups() []helpGroup { return nil } // the MQTT pane lists provisioning
func (p *addPane) hints() []hint           { return p.form.hints() }

// addDeviceMsg asks the pane to confirm and send the form: a message, so
// that the question appears as the answers' do, guarded against keys
// typed for the form.
type addDeviceMsg struct{ w state.Write }

type addedMsg struct {
	w   state.Write
	res api.Result
	err error
	at  time.Time
}

func (p *addPane) key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	if msg.String() == "esc" {
		return true, closePane
	}
	if p.sending {
		return true, nil
	}
	enter, cmd := p.form.key(msg)
	if !enter {
		p.status = ""
		return true, cmd
	}
	if i := p.form.firstProblem(); i >= 0 {
		p.status, p.isErr = p.form.fields[i].label+": "+p.form.fields[i].msg, true
		return true, p.form.focusOn(i)
	}
	id, _ := api.NormaliseDeviceID(p.id.value())
	req := api.AddUserRequest{}
	if g := p.group.chosen(); g != "" {
		if gid, ok := p.groups[g]; ok && gid != "" {
			req.GroupID = gid
		} else {
			req.GroupName = g
		}
	}
	if p.needPass {
		req.SetupPassword = strings.TrimSpace(p.password.in.Value())
	}
	w := state.Write{Op: api.OpAddUser, Device: api.Device{DeviceID: id}, User: req}
	return true, func() tea.Msg { return paneMsg{to: paneAdd, msg: addDeviceMsg{w: w}} }
}

func (p *addPane) paste(msg tea.PasteMsg) tea.Cmd { return p.form.paste(msg) }

func (p *addPane) view() string {
	st := p.sh.st
	out := []string{st.title.Render("Add a device to the account")}
	switch { // under the title, where a short screen still shows it
	case p.sending:
		out = append(out, st.warn.Render("sending…"))
	case p.status != "" && p.isErr:
		out = append(out, strings.Split(st.errText.Render(wrap(p.status, p.w)), "\n")...)
	case p.status != "":
		out = append(out, strings.Split(wrap(p.status, p.w), "\n")...)
	}
	out = append(out, "")
	out = append(out, p.form.view(p.w, p.h-len(out))...)
	return strings.Join(out[:min(len(out), max(1, p.h))], "\n")
}

// askPassword turns the form to the setup password after the server
// said "Password Required"; what was typed is kept.
func (p *addPane) askPassword() tea.Cmd {
	p.needPass = true
	p.form.fields = []*field{p.id, p.group, p.password}
	p.status, p.isErr = "This device is registered elsewhere: enter its setup password and press enter again.", false
	return p.form.focusOn(2)
}

func (p *addPane) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case addDeviceMsg:
		return p.confirm(msg.w)
	case addedMsg:
		return p.onAdded(msg)
	}
	return nil
}

// confirm shows the request and sends on y.
func (p *addPane) confirm(w state.Write) tea.Cmd {
	lines, err := p.sh.gate.Confirmation(p.sh.client, w)
	if err != nil {
		p.status, p.isErr = err.Error(), true
		return nil
	}
	what := "Add " + w.Device.DeviceID + " to the account"
	switch {
	case w.User.GroupName != "":
		what += " in a new group, " + clean(w.User.GroupName)
	case w.User.GroupID != "":
		what += " in " + clean(p.group.chosen())
	default:
		what += " in the account's default group"
	}
	p.con.ask(newQuestion(what, lines, "Send?", "add", "cancel", func(yes bool) tea.Cmd {
		if !yes {
			p.status, p.isErr = "not sent", false
			return nil
		}
		if p.sh.view == nil {
			p.status, p.isErr = errNoView.Error(), true
			return nil
		}
		// Through the engine's one gate: the outcome comes back with the
		// engine's changes (addedOf).
		p.sending, p.seq = true, p.sh.view.Submit(w)
		return nil
	}))
	return nil
}

// addedOf is the pane's answer to the request it submitted, found by the
// write's sequence number.
func (p *addPane) addedOf(o live.WriteOutcome, at time.Time) (addedMsg, bool) {
	if p.seq == 0 || o.Seq != p.seq || !o.Mine(p.sh.view) {
		return addedMsg{}, false
	}
	p.seq = 0
	return addedMsg{w: o.Write, res: o.Result, err: o.Err, at: at}, true
}

func (p *addPane) onAdded(msg addedMsg) tea.Cmd {
	p.sending = false
	id := msg.w.Device.DeviceID
	switch {
	case msg.err == nil:
		p.con.seek(id)
		back := p.con.leave(p)
		return tea.Batch(back, p.con.toast(id+" added to the account: it appears in the list, focused", false), p.con.schedule())
	case api.IsPasswordRequired(msg.err) && msg.w.User.SetupPassword == "":
		return p.askPassword()
	case api.IsPasswordRequired(msg.err) || api.StatusOf(msg.err) == 403 && msg.w.User.SetupPassword != "":
		p.status, p.isErr = "The setup password was refused: check it (letters and digits as printed) and press enter to try again.", true
		return p.form.focusOn(2)
	case p.con.keyRefused(msg.err, "The form is kept."):
		return nil
	default:
		p.status, p.isErr = state.Outcome(msg.res, msg.err), true
		return nil
	}
}
