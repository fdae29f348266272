package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"sqc/state"
)

// The smallest screen the console draws on; below it says so instead.
const minWidth, minHeight = 60, 15

// narrow screens show one pane at a time.
func (m Model) narrow() bool { return m.sh.width < 90 }

func (m Model) bodyHeight() int { return max(1, m.sh.height-2) }

// listHeight is how many device rows fit below the pane's title and the
// column titles.
func (m Model) listHeight() int { return max(1, m.bodyHeight()-2) }

func (m Model) listWidth() int {
	if m.narrow() {
		return m.sh.width
	}
	return max(44, m.sh.width*46/100)
}

// View draws the screen from the model; it changes nothing.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.ReportFocus = true
	v.WindowTitle = "sqc · " + m.cfg.Profile
	if m.mouse {
		v.MouseMode = tea.MouseModeCellMotion
	}
	return v
}

func (m Model) render() string {
	w, h := m.sh.width, m.sh.height
	if w == 0 {
		return ""
	}
	if w < minWidth || h < minHeight {
		return fmt.Sprintf("terminal too small (%dx%d)\nsqc needs %dx%d", w, h, minWidth, minHeight)
	}
	if m.mode == modeLogin {
		return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, m.login.view(m.sh.st, w))
	}
	var body string
	switch {
	case m.mode == modeHelp:
		body = lipgloss.Place(w, m.bodyHeight(), lipgloss.Center, lipgloss.Center, helpView(&m.sh, m.helpFilter, m.helpTyping))
	case m.narrow() && m.detail:
		body = m.rightView(w, m.bodyHeight())
	case m.narrow():
		body = m.listView(w, m.bodyHeight())
	default:
		lw := m.listWidth()
		rw := w - lw - 1
		sep := m.sh.st.border.Render(strings.TrimSuffix(strings.Repeat("│\n", m.bodyHeight()), "\n"))
		body = lipgloss.JoinHorizontal(lipgloss.Top, m.listView(lw, m.bodyHeight()), sep, m.rightView(rw, m.bodyHeight()))
	}
	return m.header() + "\n" + body + "\n" + m.footer()
}

// listView is the list pane: its title (or the filter input) and rows.
func (m Model) listView(w, h int) string {
	var title string
	switch {
	case m.mode == modeFilter:
		title = m.filterIn.View()
	case m.mode == modePrompt:
		title = m.promptIn.View()
	default:
		title = m.sh.st.title.Render(m.list.title(m.fleet.Len()))
		if !m.list.filter.Empty() {
			title += m.sh.st.dim.Render(" · /" + m.list.filter.String())
		}
	}
	var rows string
	switch {
	case m.fleet.Len() == 0 && m.listErr != nil:
		rows = m.sh.st.errText.Render(wrap("Could not list the devices: "+m.listErr.Error(), w)) + "\n" + m.sh.st.dim.Render("Retrying by itself; r tries now.")
	case m.fleet.Len() == 0:
		rows = m.sh.st.dim.Render("loading the device list…")
	default:
		rows = m.list.view(&m.sh, w, h-1, !m.rightActive)
	}
	return lipgloss.NewStyle().Width(w).Height(h).MaxHeight(h).Render(fit(title, w) + "\n" + rows)
}

// rightView is the readings, quota or log pane, scrolled.
func (m Model) rightView(w, h int) string {
	outer := w
	w-- // the pane's left padding
	var lines []string
	switch m.right {
	case paneQuota:
		if m.ledger != nil {
			lines = quotaLines(&m.sh, m.ledger, m.sched, m.fleet, w)
		}
	case paneLog:
		lines = callLogLines(&m.sh, &m.log, w)
	default:
		d := m.list.focused()
		if d == nil {
			lines = []string{m.sh.st.dim.Render("no device selected")}
			break
		}
		rs := readingsStatus{nextIn: -1, canRead: m.sched != nil && m.sched.CanRead(d.DeviceID)}
		if m.sched != nil {
			now := m.sh.now()
			rs.paused = m.sched.Paused()
			rs.interval = m.sched.FocusInterval(now)
			if next := m.sched.NextFocus(now); !next.IsZero() {
				rs.nextIn = max(0, next.Sub(now))
			}
			if until, _ := m.sched.Backoff(now); !until.IsZero() {
				rs.nextIn = until.Sub(now)
			}
		}
		lines = readingLines(&m.sh, d, rs, w)
	}
	start := max(0, min(m.scroll, len(lines)-h))
	end := min(len(lines), start+h)
	out := strings.Join(lines[start:end], "\n")
	return lipgloss.NewStyle().Width(outer).Height(h).MaxHeight(h).PaddingLeft(1).Render(out)
}

// header: profile, device count, connection, key source and quota gauge.
func (m Model) header() string {
	st := m.sh.st
	now := m.sh.now()
	conn := st.ok.Render("● online")
	switch {
	case m.client == nil:
		conn = st.dim.Render("○ no key")
	case m.sched != nil && m.sched.Offline(now):
		until, _ := m.sched.Backoff(now)
		conn = st.old.Render("○ offline · retry in " + short(until.Sub(now)))
	case m.sched != nil:
		if until, why := m.sched.Backoff(now); !until.IsZero() {
			conn = st.warn.Render("◌ backing off " + short(until.Sub(now)) + " · " + why)
		} else if m.sched.Paused() {
			conn = st.warn.Render("‖ paused")
		}
	}
	if !m.fleet.CachedAt.IsZero() {
		conn += st.stale.Render(" · cached, " + state.Ago(m.fleet.CachedAt, now) + " ago")
	}
	left := st.header.Render("sqc") + " · profile " + m.cfg.Profile + fmt.Sprintf(" · %d devices · ", m.fleet.Len()) + conn + " · key: " + m.keySource
	right := ""
	if m.ledger != nil && m.sched != nil {
		daily := m.sched.Limits().Daily
		frac := float64(m.ledger.UsedToday(now)) / float64(max(1, daily))
		right = "quota " + gauge(&m.sh, frac, 8) + fmt.Sprintf(" %d%%", int(frac*100))
	}
	gap := m.sh.width - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return fit(left, m.sh.width)
	}
	return left + strings.Repeat(" ", gap) + right
}

// footer: the newest toast, or the keys that apply now.
func (m Model) footer() string {
	st := m.sh.st
	if n := len(m.toasts); n > 0 {
		t := m.toasts[n-1]
		s := st.toast
		if t.isErr {
			s = s.Foreground(lipgloss.Color("#ffffff")).Background(lipgloss.Color("#b91c1c"))
		}
		return fit(s.Render(t.text), m.sh.width)
	}
	k := m.sh.keys
	var hints []key.Binding
	switch m.mode {
	case modeFilter:
		if m.list.filterErr != nil {
			return fit(st.errText.Render(m.list.filterErr.Error())+st.footer.Render(" · the list shows the last good filter"), m.sh.width)
		}
		return st.footer.Render(fit("type to filter: words, field:value, !not · enter keep · esc clear · ↑/↓ move", m.sh.width))
	case modePrompt:
		return st.footer.Render(fit("enter export (.csv or .json) · esc cancel", m.sh.width))
	case modeHelp:
		return st.footer.Render(fit("/ search keys · esc or ? close", m.sh.width))
	}
	if m.rightActive || m.detail {
		hints = []key.Binding{k.Up, k.Down, k.Back, k.NextPane, k.Refresh, k.Pause, k.Quota, k.Log, k.Help, k.Quit}
	} else {
		hints = []key.Binding{k.Help, k.Filter, k.Open, k.Sort, k.Mark, k.Copy, k.Export, k.Pause, k.Refresh, k.Quota, k.Log, k.Quit}
	}
	var parts []string
	for _, b := range hints {
		parts = append(parts, st.key.Render(b.Help().Key)+" "+b.Help().Desc)
	}
	return st.footer.Render(fit(strings.Join(parts, "  "), m.sh.width))
}

// wrap breaks text into lines of at most w cells.
func wrap(s string, w int) string {
	return lipgloss.NewStyle().Width(max(10, w)).Render(s)
}
