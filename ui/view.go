package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"sqc/state"
	"sqc/ui/look"
	"sqc/ui/pane"
)

// The smallest screen the console draws on; below it says so instead.
const minWidth, minHeight = 60, 15

// narrow screens show one pane at a time.
func (m *Model) narrow() bool { return m.sh.Width < 90 }

func (m *Model) bodyHeight() int { return max(1, m.sh.Height-1-m.footerHeight()) }

// footerHeight is two lines while a toast too long for one is shown, so
// that what it says is read whole; else one.
func (m *Model) footerHeight() int {
	if n := len(m.toasts); n > 0 && m.dialog == nil && len(m.toastLines(m.toasts[n-1].text)) > 1 {
		return 2
	}
	return 1
}

// toastLines lays a toast out beside the footer's help and quit: one line
// when it fits, else two, the second as wide as the screen.
func (m *Model) toastLines(text string) []string {
	w := m.sh.Width
	room := w - lipgloss.Width(m.footerTail()) - 6 // the toast's padding and the gap
	if look.CellWidth(text) <= room || room < 10 {
		return []string{look.Cut(text, max(10, room))}
	}
	first := strings.Split(look.Wrap(text, room), "\n")[0]
	rest := strings.TrimSpace(strings.TrimPrefix(text, first))
	return []string{first, look.Cut(rest, max(10, w-2))}
}

// footerTail is what the footer always ends with: help, and quit or back.
func (m *Model) footerTail() string {
	k := m.sh.Keys
	quit := look.Hint{B: k.Quit, Desc: "back", Prio: 10}
	if m.atHome() && !m.helpOpen() {
		quit.Desc = "quit"
	}
	help := look.Hint{B: k.Help, Prio: 10}
	if m.helpOpen() {
		help.Desc = "close"
	}
	return look.FooterLine(&m.sh.Common, nil, []look.Hint{help, quit}, m.sh.Width)
}

func (m *Model) listWidth() int {
	if m.narrow() {
		return m.sh.Width
	}
	return max(44, m.sh.Width*46/100)
}

// View draws the screen from the model.
func (m *Model) View() tea.View {
	var frame string
	m.sh.Read(func() { frame = m.drawn() })
	if m.cfg.ASCII {
		frame = asciiFrame.Replace(frame)
	}
	v := tea.NewView(frame)
	v.AltScreen = true
	v.ReportFocus = true
	v.WindowTitle = "sqc · " + m.cfg.Profile
	if m.mouse {
		v.MouseMode = tea.MouseModeCellMotion
	}
	return v
}

func (m *Model) render() string {
	w, h := m.sh.Width, m.sh.Height
	if w == 0 {
		return ""
	}
	if w < minWidth || h < minHeight {
		return fmt.Sprintf("terminal too small (%dx%d)\nsqc needs %dx%d", w, h, minWidth, minHeight)
	}
	if m.loggingIn {
		return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, m.login.view(m.sh.St, w))
	}
	bh := m.bodyHeight()
	var body string
	switch {
	case m.helpOpen():
		body = m.help.View()
	case m.narrow() && m.focus == onRight:
		body = box(w, bh, 1, m.right().View())
	case m.narrow():
		body = box(w, bh, 0, m.list.View())
	default:
		lw := m.listWidth()
		sep := m.sh.St.Border.Render(strings.TrimSuffix(strings.Repeat("│\n", bh), "\n"))
		body = lipgloss.JoinHorizontal(lipgloss.Top, box(lw, bh, 0, m.list.View()), sep, box(w-lw-1, bh, 1, m.right().View()))
	}
	if m.dialog != nil {
		body = overlay(body, m.dialog.View(&m.sh.Common, w, bh), w, bh)
	}
	return m.header() + "\n" + body + "\n" + m.footer()
}

// overlay sets a box in the middle of a w×h screen, over what it shows.
// The rows it stands on are blanked from edge to edge: the rest of a cut
// line (its …) beside the border would read as part of the dialog.
func overlay(under, box string, w, h int) string {
	bw, bh := lipgloss.Width(box), lipgloss.Height(box)
	y := max(0, (h-bh)/2)
	blank := strings.TrimSuffix(strings.Repeat(strings.Repeat(" ", w)+"\n", min(bh, h)), "\n")
	top := lipgloss.NewLayer(box).X(max(0, (w-bw)/2)).Y(y).Z(2)
	return lipgloss.NewCanvas(w, h).Compose(lipgloss.NewCompositor(lipgloss.NewLayer(under), lipgloss.NewLayer(blank).Y(y).Z(1), top)).Render()
}

// box sets content in exactly w×h cells, with a left padding.
func box(w, h, padLeft int, content string) string {
	return lipgloss.NewStyle().Width(w).Height(h).MaxHeight(h).MaxWidth(w).PaddingLeft(padLeft).Render(content)
}

// header: profile, device count, connection, key source and quota gauge.
func (m *Model) header() string {
	st := m.sh.St
	now := m.sh.Now()
	sched := m.sh.Sched
	var conn string
	live := true
	if m.sh.Client == nil || sched == nil {
		conn = st.Dim.Render("○ no key")
	} else {
		c := m.sh.Link.Conn
		live = c.Live
		conn = connText(st, c, now)
		if read, total, done := sched.Progress(); !done && total > 0 && c.State == state.ConnOnline {
			conn += st.Dim.Render(fmt.Sprintf(" · reading %d/%d", read, total))
		}
		if sched.Paused() {
			conn += " · " + st.Warn.Render("‖ paused")
		}
	}
	if !live && !m.sh.Fleet.CachedAt.IsZero() {
		conn += st.Stale.Render(" · cached, " + state.Ago(m.sh.Fleet.CachedAt, now) + " ago")
	}
	if m.sh.ReadOnly {
		conn += " · " + st.Warn.Render("READ-ONLY")
	}
	if m.sh.Eng != nil {
		if n := m.sh.Eng.Inbox().Unread(); n > 0 {
			conn += " · " + st.Warn.Render(fmt.Sprintf("inbox %d", n))
		}
	}
	var gauged, percent string
	if m.sh.Ledger != nil && sched != nil {
		daily := sched.Limits().Daily
		frac := float64(m.sh.Ledger.UsedToday(now)) / float64(max(1, daily))
		gauged, percent = pane.Gauge(m.sh, frac, 8), fmt.Sprintf(" %d%%", int(frac*100))
	}
	return headerLine(m.sh.Width, headerParts{
		name: st.Header.Render("sqc"), profile: look.Clean(m.cfg.Profile), devices: look.Plural(m.list.Idx.Total(), "device"),
		conn: conn, key: m.keySource, gauge: gauged, percent: percent,
	})
}

// headerParts are what the header says, each in its words.
type headerParts struct {
	name, profile, devices, conn, key, gauge, percent string
}

// headerLine lays the header out in w cells. The connection is what must
// be read, and the key's source next: on a narrow screen the word
// "profile" goes first, then the key's label is shortened to ⚿, then the
// word "quota", the device count (the list's title has it) and the gauge.
// The key's source gives way only when it does not fit beside the
// connection's own words.
func headerLine(w int, p headerParts) string {
	type form struct {
		profileWord, longKey, quotaWord, devices, gauge, key bool
	}
	forms := []form{
		{true, true, true, true, true, true},
		{false, true, true, true, true, true},
		{false, false, true, true, true, true},
		{false, false, false, true, true, true},
		{false, false, false, false, true, true},
		{false, false, false, false, false, true},
		{false, false, false, false, false, false},
	}
	for _, f := range forms {
		left := p.name + " · "
		if f.profileWord {
			left += "profile "
		}
		left += p.profile + " · "
		if f.devices {
			left += p.devices + " · "
		}
		left += p.conn
		if f.key && p.key != "" {
			if f.longKey {
				left += " · key: " + p.key
			} else {
				left += " · ⚿ " + p.key
			}
		}
		right := ""
		if f.gauge && p.gauge != "" {
			right = p.gauge + p.percent
			if f.quotaWord {
				right = "quota " + right
			}
		}
		gap := w - lipgloss.Width(left) - lipgloss.Width(right)
		if right == "" && gap >= 0 {
			return left + strings.Repeat(" ", gap)
		}
		if gap >= 1 {
			return left + strings.Repeat(" ", gap) + right
		}
	}
	return look.Fit(p.name+" · "+p.profile+" · "+p.conn, w)
}

// connText says what the answers say of the connection, and when the
// next try goes: "offline · retry in 8s (r now)".
func connText(st look.Styles, c state.Conn, now time.Time) string {
	retry := func() string {
		if !c.Until.After(now) {
			return " · retrying"
		}
		return " · retry in " + pane.Short(c.Until.Sub(now))
	}
	switch c.State {
	case state.ConnConnecting:
		return st.Dim.Render("◌ connecting")
	case state.ConnOnline:
		return st.Ok.Render("● online")
	case state.ConnOffline:
		return st.Old.Render("○ offline" + retry() + " (r now)")
	case state.ConnServerError:
		return st.Warn.Render("◌ server error" + retry() + " (r now)")
	case state.ConnRateLimited:
		s := "◌ rate limited" + retry()
		if c.Capped {
			s += " (the server asked for longer: capped at 15m)"
		}
		return st.Warn.Render(s)
	case state.ConnKeyRefused:
		return st.ErrText.Render("○ key refused")
	}
	return c.State.String()
}

// footer: the newest toast, or the keys that apply now; it always ends
// with the way to help and the way out.
func (m *Model) footer() string {
	st := m.sh.St
	k := m.sh.Keys
	w := m.sh.Width
	if m.dialog != nil {
		return st.Footer.Render(look.FooterLine(&m.sh.Common, m.dialog.Hints(&m.sh.Common), nil, w))
	}
	quit := look.Hint{B: k.Quit, Desc: "back", Prio: 10}
	if m.atHome() && !m.helpOpen() {
		quit.Desc = "quit"
	}
	tail := []look.Hint{{B: k.Help, Prio: 10}, quit}
	if m.helpOpen() {
		tail[0].Desc = "close"
	}
	if n := len(m.toasts); n > 0 {
		t := m.toasts[n-1]
		s := st.Toast
		if t.isErr {
			s = s.Foreground(lipgloss.Color("#ffffff")).Background(lipgloss.Color("#b91c1c"))
		}
		lines := m.toastLines(t.text)
		out := s.Render(lines[0]) + "  " + st.Footer.Render(m.footerTail())
		if len(lines) > 1 {
			out += "\n" + s.Render(lines[1])
		}
		return out
	}
	if m.typing() { // every key goes to the input: only its own keys apply
		var own []look.Hint
		if m.helpOpen() {
			own = m.help.Hints()
		} else {
			own = m.focused().Hints()
		}
		return st.Footer.Render(look.FooterLine(&m.sh.Common, own, nil, w))
	}
	var hints []look.Hint
	if m.helpOpen() {
		hints = m.help.Hints()
	} else {
		hints = m.focused().Hints()
		taken := map[string]bool{}
		for _, x := range hints {
			for _, k := range x.B.Keys() {
				taken[k] = true
			}
		}
		for _, x := range m.consoleHints() {
			if !slices.ContainsFunc(x.B.Keys(), func(k string) bool { return taken[k] }) {
				hints = append(hints, x) // a key the pane uses is the pane's here
			}
		}
	}
	return st.Footer.Render(look.FooterLine(&m.sh.Common, hints, tail, w))
}

// consoleHints are the console's keys that apply where the keys are now.
func (m *Model) consoleHints() []look.Hint {
	k := m.sh.Keys
	var out []look.Hint
	if m.focused() == pane.Pane(m.list) {
		out = append(out, look.KeyHint(k.Open, 9), look.Hint{B: k.Config, Desc: "config", Prio: 7})
		if !m.sh.ReadOnly {
			out = append(out, look.KeyHint(k.AddDevice, 5), look.KeyHint(k.MQTT, 2))
		}
		for _, o := range m.openers {
			out = append(out, o.Opens())
		}
	}
	out = append(out, look.KeyHint(k.Refresh, 6), look.KeyHint(k.Pause, 4), look.KeyHint(k.Quota, 6), look.KeyHint(k.Log, 5))
	if !m.narrow() {
		out = append(out, look.KeyHint(k.NextPane, 2))
	}
	return out
}

// helpGroups are every pane's keys and the console's, for the help: the
// keys of the pane in front first.
func (m *Model) helpGroups() []look.HelpGroup {
	k := m.sh.Keys
	front := m.focused()
	var groups []look.HelpGroup
	if front != pane.Pane(m.readings) { // its keys are the moves, listed next
		groups = front.HelpGroups()
	}
	groups = append(groups, []look.HelpGroup{
		{Title: "move", Keys: []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}},
		{Title: "console", Keys: []key.Binding{k.Open, k.Back, k.Quit, k.ForceQuit, k.Interrupt, k.Suspend, k.NextPane, k.Help, k.Mouse}},
		{Title: "live data", Keys: []key.Binding{k.Refresh, k.RefreshList, k.Pause, k.Quota, k.Log}},
		{Title: "questions, forms and text fields", Keys: []key.Binding{k.Yes, k.No, k.NextField, k.PrevField, k.ClearText}},
	}...)
	for _, p := range append([]pane.Pane{m.list}, m.rightPanes()...) {
		if p == front || p == pane.Pane(m.readings) {
			continue // listed first, or the same moves as everywhere
		}
		groups = append(groups, p.HelpGroups()...)
	}
	return groups
}
