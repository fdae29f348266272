// Package ui is the Bubble Tea console.
package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"sqc/api"
)

// Config is what main hands the console.
type Config struct {
	// Client is nil when no key was found: the console opens on the login screen.
	Client    *api.Client
	Profile   string
	KeySource string
	// Login stores a key entered in the console; nil with --demo.
	Login *Login
	Now   func() time.Time
}

// Model is the root model.
type Model struct {
	cfg    Config
	ctx    context.Context
	keys   keyMap
	st     styles
	width  int
	height int

	devices  []api.Device
	loadedAt time.Time
	loading  bool
	err      error
	reqID    int
	cursor   int
	offset   int

	login     loginModel
	loggingIn bool
}

// New builds the console.
func New(ctx context.Context, cfg Config) Model {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := Model{cfg: cfg, ctx: ctx, keys: defaultKeys(), st: newStyles(true), loading: true, reqID: 1}
	if cfg.Client == nil && cfg.Login != nil {
		m.startLogin("No key is stored for this profile yet.")
	}
	return m
}

// Init starts the first device list request.
func (m Model) Init() tea.Cmd {
	if m.loggingIn {
		return tea.RequestBackgroundColor
	}
	return tea.Batch(loadDevices(m.ctx, m.cfg.Client, m.reqID), tea.RequestBackgroundColor)
}

// startLogin shows the login screen over what the console was showing.
func (m *Model) startLogin(reason string) {
	m.login = newLogin(m.ctx, m.cfg.Login, reason, m.width)
	m.loggingIn = true
}

// Update folds messages into the model.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.clamp()
	case tea.BackgroundColorMsg:
		m.st = newStyles(msg.IsDark())
	case loginVerifiedMsg, loginStoredMsg:
		var cmd tea.Cmd
		m.login, cmd = m.login.update(msg)
		return m, cmd
	case loggedInMsg:
		m.cfg.Client, m.cfg.KeySource, m.loggingIn = msg.client, msg.source, false
		m.reqID++
		m.loading, m.err = true, nil
		return m, loadDevices(m.ctx, m.cfg.Client, m.reqID)
	case devicesLoadedMsg:
		if msg.reqID != m.reqID {
			return m, nil
		}
		m.loading = false
		if api.IsUnauthorized(msg.err) && m.cfg.Login != nil {
			m.startLogin("The server refused the key (401): enter it again. What you were looking at is kept.")
			return m, nil
		}
		m.err = msg.err
		if msg.err == nil {
			m.devices, m.loadedAt = msg.devices, msg.at
		}
		m.clamp()
	case tea.KeyPressMsg:
		if m.loggingIn {
			if msg.String() == "ctrl+c" {
				return m, tea.Quit
			}
			var cmd tea.Cmd
			m.login, cmd = m.login.update(msg)
			return m, cmd
		}
		return m.onKey(msg)
	case tea.PasteMsg:
		if m.loggingIn {
			var cmd tea.Cmd
			m.login, cmd = m.login.update(msg)
			return m, cmd
		}
	}
	return m, nil
}

func (m Model) onKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	page := max(1, m.listHeight())
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(msg, m.keys.Up):
		m.cursor--
	case key.Matches(msg, m.keys.Down):
		m.cursor++
	case key.Matches(msg, m.keys.PageUp):
		m.cursor -= page
	case key.Matches(msg, m.keys.PageDown):
		m.cursor += page
	case key.Matches(msg, m.keys.Top):
		m.cursor = 0
	case key.Matches(msg, m.keys.Bottom):
		m.cursor = len(m.devices) - 1
	case key.Matches(msg, m.keys.Refresh):
		m.reqID++
		m.loading = true
		return m, loadDevices(m.ctx, m.cfg.Client, m.reqID)
	}
	m.clamp()
	return m, nil
}

// listHeight is how many device rows fit: the screen less header, column
// titles and footer.
func (m Model) listHeight() int { return m.height - 3 }

func (m *Model) clamp() {
	m.cursor = max(0, min(m.cursor, len(m.devices)-1))
	h := max(1, m.listHeight())
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	m.offset = max(0, min(m.offset, len(m.devices)-h))
}

// Cursor is the focused row, for tests.
func (m Model) Cursor() int { return m.cursor }

// View draws the screen; only visible rows are rendered.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "sqc · " + m.cfg.Profile
	return v
}

const minWidth, minHeight = 40, 6

func (m Model) render() string {
	if m.width == 0 {
		return ""
	}
	if m.width < minWidth || m.height < minHeight {
		return fmt.Sprintf("terminal too small (%dx%d): sqc needs at least %dx%d", m.width, m.height, minWidth, minHeight)
	}
	if m.loggingIn {
		return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, m.login.view(m.st, m.width))
	}
	now := m.cfg.Now()
	var b strings.Builder
	status := fmt.Sprintf("%d devices", len(m.devices))
	switch {
	case m.loading:
		status += " · loading…"
	case m.err != nil:
		status += " · " + m.st.errText.Render("error: "+m.err.Error())
	default:
		status += " · updated " + ago(m.loadedAt, now) + " ago"
	}
	b.WriteString(fit(m.st.header.Render("sqc")+" · profile "+m.cfg.Profile+" · "+status+" · key: "+m.cfg.KeySource, m.width))
	b.WriteByte('\n')
	cols := columns(m.width)
	b.WriteString(m.st.title.Render(fit(cols.row("ID", "Name", "Group", "Model", "Plan", "Seen"), m.width)))
	b.WriteByte('\n')
	h := m.listHeight()
	end := min(len(m.devices), m.offset+h)
	for i := m.offset; i < end; i++ {
		d := &m.devices[i]
		line := fit(cols.row(d.DeviceID, d.Name, d.GroupName, d.Model, d.Plan, ago(d.Seen(), now)), m.width)
		if i == m.cursor {
			line = m.st.selected.Render(line)
		} else if d.Seen().IsZero() || now.Sub(d.Seen()) > 24*time.Hour {
			line = m.st.offline.Render(line)
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	for i := end - m.offset; i < h; i++ {
		b.WriteByte('\n')
	}
	var help []string
	for _, k := range m.keys.short() {
		help = append(help, k.Help().Key+" "+k.Help().Desc)
	}
	b.WriteString(m.st.footer.Render(fit(strings.Join(help, " · "), m.width)))
	return b.String()
}

// colWidths lays out the device columns for a screen width.
type colWidths []int

func columns(width int) colWidths {
	fixed := []int{9, 0, 0, 7, 6, 6} // ID, name, group, model, plan, seen
	rest := width - (9 + 7 + 6 + 6) - 6
	fixed[1] = max(6, rest*55/100)
	fixed[2] = max(5, rest-fixed[1])
	return fixed
}

func (c colWidths) row(cells ...string) string {
	parts := make([]string, len(cells))
	for i, s := range cells {
		parts[i] = pad(s, c[i])
	}
	return strings.Join(parts, " ")
}

// pad cuts or pads s to exactly w cells.
func pad(s string, w int) string {
	if lipgloss.Width(s) > w {
		r := []rune(s)
		for len(r) > 0 && lipgloss.Width(string(r))+1 > w {
			r = r[:len(r)-1]
		}
		return string(r) + "…"
	}
	return s + strings.Repeat(" ", w-lipgloss.Width(s))
}

// fit cuts a line to the screen width without breaking escape sequences.
func fit(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	return lipgloss.NewStyle().MaxWidth(w).Render(s)
}

func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(0, int(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}

// Run opens the console on the terminal and returns when the user quits.
func Run(ctx context.Context, cfg Config) error {
	_, err := tea.NewProgram(New(ctx, cfg), tea.WithContext(ctx)).Run()
	return err
}
