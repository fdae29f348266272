package pane

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
	"sqc/ui/look"
)

// AddPane is the form that adds a device to the account: its ID from the
// label, a group, and its setup password when the server asks for one.
type AddPane struct {
	sh       *Shared
	con      Console
	ctx      context.Context
	w, h     int
	Form     look.Form
	id       *look.Field
	group    *look.Field
	password *look.Field
	groups   map[string]string // group name → id, from the device list
	needPass bool
	Sending  bool
	seq      int // the engine's number of the request out
	status   string
	isErr    bool
}

// PaneAdd is where the added device's answers go.
const PaneAdd ID = "add"

func NewAddPane(ctx context.Context, sh *Shared, con Console) *AddPane {
	p := &AddPane{sh: sh, con: con, ctx: ctx}
	p.id = look.NewField("Device ID", "9 letters or digits, printed under the lid or on the box", "JDA54E19F", func(v string) string {
		if _, err := api.NormaliseDeviceID(v); err != nil {
			n := len(strings.TrimSpace(v))
			if n < 9 {
				return fmt.Sprintf("%d of 9 letters or digits", n)
			}
			return err.Error()
		}
		return ""
	})
	p.id.Upper = true
	p.group = look.NewField("Group", "one of the account's groups (↑/↓ pick), or a new group's name; empty: the account's default", "", nil)
	p.password = look.NewField("Setup password", "the device is registered elsewhere: its setup password comes with it", "", func(v string) string {
		if strings.TrimSpace(v) == "" {
			return "the server asks for the device's setup password"
		}
		return ""
	})
	p.password.In.EchoMode = textinput.EchoPassword
	p.password.In.EchoCharacter = '•'
	return p
}

// Open starts an empty form, offering the account's groups.
func (p *AddPane) Open() tea.Cmd {
	p.groups = map[string]string{}
	for _, d := range p.sh.Fleet.All() {
		if d.GroupName != "" {
			p.groups[d.GroupName] = d.GroupID
		}
	}
	names := make([]string, 0, len(p.groups))
	for n := range p.groups {
		names = append(names, n)
	}
	sort.Strings(names)
	p.id.Reset()
	p.group.Reset()
	p.password.Reset()
	p.group.Options = names
	p.needPass, p.Sending, p.status, p.isErr = false, false, "", false
	p.Form = look.Form{Sh: &p.sh.Common, Fields: []*look.Field{p.id, p.group}}
	return p.Form.FocusOn(0)
}

func (p *AddPane) SetSize(w, h int)             { p.w, p.h = w, h }
func (p *AddPane) Typing() bool                 { return true }
func (p *AddPane) HelpGroups() []look.HelpGroup { return nil } // the MQTT pane lists provisioning
func (p *AddPane) Hints() []look.Hint           { return p.Form.Hints() }

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

func (p *AddPane) Key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	if msg.String() == "esc" {
		return true, look.ClosePane
	}
	if p.Sending {
		return true, nil
	}
	enter, cmd := p.Form.Key(msg)
	if !enter {
		p.status = ""
		return true, cmd
	}
	if i := p.Form.FirstProblem(); i >= 0 {
		p.status, p.isErr = p.Form.Fields[i].Label+": "+p.Form.Fields[i].Msg, true
		return true, p.Form.FocusOn(i)
	}
	id, _ := api.NormaliseDeviceID(p.id.Value())
	req := api.AddUserRequest{}
	if g := p.group.Chosen(); g != "" {
		if gid, ok := p.groups[g]; ok && gid != "" {
			req.GroupID = gid
		} else {
			req.GroupName = g
		}
	}
	if p.needPass {
		req.SetupPassword = strings.TrimSpace(p.password.In.Value())
	}
	w := state.Write{Op: api.OpAddUser, Device: api.Device{DeviceID: id}, User: req}
	return true, func() tea.Msg { return Msg{To: PaneAdd, Msg: addDeviceMsg{w: w}} }
}

func (p *AddPane) Paste(msg tea.PasteMsg) tea.Cmd { return p.Form.Paste(msg) }

func (p *AddPane) View() string {
	st := p.sh.St
	out := []string{st.Title.Render("Add a device to the account")}
	switch { // under the title, where a short screen still shows it
	case p.Sending:
		out = append(out, st.Warn.Render("sending…"))
	case p.status != "" && p.isErr:
		out = append(out, strings.Split(st.ErrText.Render(look.Wrap(p.status, p.w)), "\n")...)
	case p.status != "":
		out = append(out, strings.Split(look.Wrap(p.status, p.w), "\n")...)
	}
	out = append(out, "")
	out = append(out, p.Form.View(p.w, p.h-len(out))...)
	return strings.Join(out[:min(len(out), max(1, p.h))], "\n")
}

// askPassword turns the form to the setup password after the server
// said "Password Required"; what was typed is kept.
func (p *AddPane) askPassword() tea.Cmd {
	p.needPass = true
	p.Form.Fields = []*look.Field{p.id, p.group, p.password}
	p.status, p.isErr = "This device is registered elsewhere: enter its setup password and press enter again.", false
	return p.Form.FocusOn(2)
}

func (p *AddPane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case addDeviceMsg:
		return p.confirm(msg.w)
	case addedMsg:
		return p.onAdded(msg)
	}
	return nil
}

// confirm shows the request and sends on y.
func (p *AddPane) confirm(w state.Write) tea.Cmd {
	lines, err := p.sh.Gate.Confirmation(p.sh.Client, w)
	if err != nil {
		p.status, p.isErr = err.Error(), true
		return nil
	}
	what := "Add " + w.Device.DeviceID + " to the account"
	switch {
	case w.User.GroupName != "":
		what += " in a new group, " + look.Clean(w.User.GroupName)
	case w.User.GroupID != "":
		what += " in " + look.Clean(p.group.Chosen())
	default:
		what += " in the account's default group"
	}
	p.con.Ask(look.NewQuestion(what, lines, "Send?", "add", "cancel", func(yes bool) tea.Cmd {
		if !yes {
			p.status, p.isErr = "not sent", false
			return nil
		}
		if p.sh.View == nil {
			p.status, p.isErr = errNoView.Error(), true
			return nil
		}
		// Through the engine's one gate: the outcome comes back with the
		// engine's changes (addedOf).
		p.Sending, p.seq = true, p.sh.View.Submit(w)
		return nil
	}))
	return nil
}

// AddedOf is the pane's answer to the request it submitted, found by the
// write's sequence number.
func (p *AddPane) AddedOf(o live.WriteOutcome, at time.Time) (addedMsg, bool) {
	if p.seq == 0 || o.Seq != p.seq || !o.Mine(p.sh.View) {
		return addedMsg{}, false
	}
	p.seq = 0
	return addedMsg{w: o.Write, res: o.Result, err: o.Err, at: at}, true
}

func (p *AddPane) onAdded(msg addedMsg) tea.Cmd {
	p.Sending = false
	id := msg.w.Device.DeviceID
	switch {
	case msg.err == nil:
		p.con.Seek(id)
		back := p.con.Leave(p)
		return tea.Batch(back, p.con.Toast(id+" added to the account: it appears in the list, focused", false), p.con.Schedule())
	case api.IsPasswordRequired(msg.err) && msg.w.User.SetupPassword == "":
		return p.askPassword()
	case api.IsPasswordRequired(msg.err) || api.StatusOf(msg.err) == 403 && msg.w.User.SetupPassword != "":
		p.status, p.isErr = "The setup password was refused: check it (letters and digits as printed) and press enter to try again.", true
		return p.Form.FocusOn(2)
	case p.con.KeyRefused(msg.err, "The form is kept."):
		return nil
	default:
		p.status, p.isErr = state.Outcome(msg.res, msg.err), true
		return nil
	}
}
