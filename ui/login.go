package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"sqc/api"
	"sqc/keys"
	"sqc/ui/look"
)

// Login is what the login screen needs from main: where keys are kept and
// how to build a client for a key.
type Login struct {
	Store   *keys.Store
	Connect func(key string) (*api.Client, error)
}

type loginStage int

const (
	loginEntering loginStage = iota
	loginChecking
	loginStoring
	loginNoKeyring // the keyring failed: the user picks a fallback
)

// loginModel asks for the key with a masked input, checks it with the
// server and stores it as `sqc auth login` does, with the same errors.
// The console holds it by pointer: its text input is most of the size of
// the console's model, and it is needed only while the login is shown.
type loginModel struct {
	cfg    *Login
	ctx    context.Context
	input  textinput.Model
	stage  loginStage
	reason string // why we are here: no key yet, or the server refused it
	err    error
	key    string // the checked key while it is being stored
	client *api.Client
}

// loginVerifiedMsg carries the server's answer about an entered key.
type loginVerifiedMsg struct {
	key    string
	client *api.Client
	err    error
}

// loginStoredMsg carries the outcome of storing a checked key.
type loginStoredMsg struct {
	source string
	err    error
}

// loggedInMsg tells the root model to use a new client.
type loggedInMsg struct {
	client *api.Client
	source string
}

func newLogin(ctx context.Context, cfg *Login, reason string, width int) *loginModel {
	in := textinput.New()
	in.EchoMode = textinput.EchoPassword
	in.EchoCharacter = '•'
	in.Placeholder = "paste the API key"
	in.Prompt = "key › "
	st := in.Styles()
	st.Cursor.Blink = false
	in.SetStyles(st)
	in.SetWidth(max(len(in.Placeholder)+1, min(60, width-16)))
	in.Focus()
	return &loginModel{cfg: cfg, ctx: ctx, input: in, reason: reason}
}

func (m *loginModel) update(msg tea.Msg) (*loginModel, tea.Cmd) {
	switch msg := msg.(type) {
	case loginVerifiedMsg:
		if msg.err != nil {
			m.stage, m.err = loginEntering, fmt.Errorf("%v; nothing was stored", msg.err)
			return m, nil
		}
		m.stage, m.key, m.client = loginStoring, msg.key, msg.client
		return m, m.store(false)
	case loginStoredMsg:
		switch {
		case msg.err == nil:
			client := m.client
			return m, func() tea.Msg { return loggedInMsg{client: client, source: msg.source} }
		case keys.IsUnavailable(msg.err):
			m.stage, m.err = loginNoKeyring, msg.err
		default:
			m.stage, m.err = loginEntering, msg.err
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.onKey(msg)
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

func (m *loginModel) onKey(msg tea.KeyPressMsg) (*loginModel, tea.Cmd) {
	switch m.stage {
	case loginChecking, loginStoring:
		return m, nil
	case loginNoKeyring:
		switch msg.String() {
		case "f":
			m.stage = loginStoring
			return m, m.store(true)
		case "s":
			client := m.client
			return m, func() tea.Msg { return loggedInMsg{client: client, source: "session only"} }
		case "esc":
			m.stage, m.err = loginEntering, nil
		}
		return m, nil
	}
	if msg.String() == "enter" {
		key, err := keys.CleanKey(m.input.Value())
		if err != nil {
			m.err = err
			return m, nil
		}
		m.stage, m.err = loginChecking, nil
		return m, m.verify(key)
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

func (m *loginModel) verify(key string) tea.Cmd {
	ctx, connect := m.ctx, m.cfg.Connect
	return func() tea.Msg {
		c, err := connect(key)
		if err == nil {
			err = c.VerifyKey(ctx)
		}
		return loginVerifiedMsg{key: key, client: c, err: err}
	}
}

// store saves the checked key: the keyring, or the insecure file when the
// user chose it knowingly.
func (m *loginModel) store(insecure bool) tea.Cmd {
	store, key := m.cfg.Store, m.key
	return func() tea.Msg {
		if insecure {
			return loginStoredMsg{source: keys.SourceFile, err: store.SaveFile(key)}
		}
		err := store.SaveKeyring(key)
		var u *keys.UnavailableError
		if errors.As(err, &u) {
			err = u // the TUI offers its own ways out below
		}
		return loginStoredMsg{source: keys.SourceKeyring, err: err}
	}
}

func (m *loginModel) view(st look.Styles, width int) string {
	var b strings.Builder
	b.WriteString(st.Title.Render("Senquip API key for profile "+m.cfg.Store.Profile) + "\n\n")
	if m.reason != "" {
		b.WriteString(m.reason + "\n\n")
	}
	b.WriteString("Generate a key in the Senquip Portal: Account → API Access → Generate API Credentials.\n\n")
	switch m.stage {
	case loginEntering:
		in := m.input // sized to the screen as it is now: the first frame comes before the size
		in.SetWidth(max(len(in.Placeholder)+1, min(60, width-16)))
		b.WriteString(in.View() + "\n\n")
		if m.err != nil {
			b.WriteString(st.ErrText.Render(m.err.Error()) + "\n\n")
		}
		b.WriteString(st.Footer.Render("enter check and store · ctrl+c quit"))
	case loginChecking:
		b.WriteString("Checking the key with the server (one request)…")
	case loginStoring:
		b.WriteString("Storing the key…")
	case loginNoKeyring:
		b.WriteString(st.ErrText.Render(m.err.Error()) + "\n\n")
		b.WriteString("The key works. Nothing was stored. Choose:\n")
		b.WriteString("  f  store it in " + m.cfg.Store.CredentialsPath() + " (plain text, mode 0600)\n")
		b.WriteString("  s  use it for this session only (or set " + keys.EnvKey + " next time)\n")
		b.WriteString("  esc  enter another key\n")
	}
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(1, 2).Width(min(width-2, 90))
	return box.Render(b.String())
}
