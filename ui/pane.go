package ui

import (
	"charm.land/bubbles/v2/key"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// pane is one region of the console that owns its state: its cursor,
// scroll and size, the keys it handles and the keys it offers to the
// footer and the help (soft-serve's Component: model, keymap, SetSize).
type pane interface {
	setSize(w, h int)
	// key offers the pane a key press; false passes it on to the console.
	key(msg tea.KeyPressMsg) (bool, tea.Cmd)
	view() string
	// hints are the pane's keys for the footer; helpGroups for the help.
	hints() []hint
	helpGroups() []helpGroup
	// typing reports a text input that takes every key (q included).
	typing() bool
	// update folds an answer addressed to the pane (a paneMsg's).
	update(msg tea.Msg) tea.Cmd
}

// paneID names a pane that answers are addressed to.
type paneID int

const (
	paneConfig paneID = iota + 1
	paneAdd
	paneBulk
	paneMQTT
)

// paneMsg is an answer for one pane: the console routes it there, in one
// place, and knows nothing of what it says (gh-dash's SectionMsg).
type paneMsg struct {
	to  paneID
	msg tea.Msg
}

// Panes whose answers the console still folds itself take none of their own.
func (p *listPane) update(tea.Msg) tea.Cmd     { return nil }
func (p *readingsPane) update(tea.Msg) tea.Cmd { return nil }
func (p *quotaPane) update(tea.Msg) tea.Cmd    { return nil }
func (p *logPane) update(tea.Msg) tea.Cmd      { return nil }

// console is what a pane may ask of the console around it: to say
// something in the footer, to ask a question over the screen, to log in
// again after the server refused the key, to issue the reads the
// scheduler has due, and to be closed. A pane holds this, never the root
// model: what it acts on is its own.
type console interface {
	toast(text string, isErr bool) tea.Cmd
	ask(*prompt)
	// keyRefused starts the login when err is the server refusing the
	// key; kept says what the user keeps meanwhile.
	keyRefused(err error, kept string) bool
	schedule() tea.Cmd
	// seek focuses a device once the device list has it, and asks for
	// the list.
	seek(id string)
	// leave goes back from p when it is showing; nil when it is not.
	leave(p pane) tea.Cmd
	// showRight puts p on the right with the keys.
	showRight(p pane)
}

// unoffered is a hint for keys a pane takes but does not offer now (u
// with nothing to undo): the footer shows neither them nor the console's
// keys they shadow, since the focused pane gets a key first.
func unoffered(bs ...key.Binding) hint {
	var keys []string
	for _, b := range bs {
		keys = append(keys, b.Keys()...)
	}
	return hint{b: key.NewBinding(key.WithKeys(keys...))}
}

// scroller is the scroll state of a pane of lines: its offset and the
// movement keys over it.
type scroller struct {
	offset, height, total int
}

// move handles a movement key; false when the key is not one.
func (s *scroller) move(sh *shared, msg tea.KeyPressMsg) bool {
	k := sh.keys
	switch {
	case matches(msg, k.Up):
		s.offset--
	case matches(msg, k.Down):
		s.offset++
	case matches(msg, k.PageUp):
		s.offset -= max(1, s.height-1)
	case matches(msg, k.PageDown):
		s.offset += max(1, s.height-1)
	case matches(msg, k.Top):
		s.offset = 0
	case matches(msg, k.Bottom):
		s.offset = s.total
	default:
		return false
	}
	s.clamp()
	return true
}

func (s *scroller) clamp() {
	s.offset = max(0, min(s.offset, s.total-s.height))
}

// window cuts the visible lines out of all of them.
func (s *scroller) window(lines []string) []string {
	s.total = len(lines)
	s.clamp()
	return lines[s.offset:min(len(lines), s.offset+s.height)]
}

// footerLine lays out hints on one line of width w: the least important
// are dropped first, words are never cut, and what is shown keeps the
// order given. tail is always shown, at the end.
func footerLine(sh *shared, hints []hint, tail []hint, w int) string {
	render := func(x hint) string {
		d := x.desc
		if d == "" {
			d = x.b.Help().Desc
		}
		return sh.st.key.Render(x.b.Help().Key) + " " + d
	}
	const sep = "  "
	width := func(parts []string) int {
		n := 0
		for i, p := range parts {
			if i > 0 {
				n += len(sep)
			}
			n += lipgloss.Width(p)
		}
		return n
	}
	var tailParts []string
	for _, x := range tail {
		tailParts = append(tailParts, render(x))
	}
	budget := w - width(tailParts)
	if len(tailParts) > 0 {
		budget -= len(sep)
	}
	// Pick by priority (stable: earlier first among equals), show in order.
	keep := make([]bool, len(hints))
	used := 0
	for {
		best := -1
		for i, x := range hints {
			if !keep[i] && offered(x.b) && (best < 0 || x.prio > hints[best].prio) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		keep[best] = true
		need := lipgloss.Width(render(hints[best]))
		if used > 0 {
			need += len(sep)
		}
		if used+need > budget {
			keep[best] = false
			break
		}
		used += need
	}
	var parts []string
	for i, x := range hints {
		if keep[i] {
			parts = append(parts, render(x))
		}
	}
	parts = append(parts, tailParts...)
	line := strings.Join(parts, sep)
	if lipgloss.Width(line) > w { // the tail alone is wider than the screen
		return fit(line, w)
	}
	return line
}

// offered reports a binding the footer may show: one made only to name a
// key (no keys of its own) or one that is enabled.
func offered(b key.Binding) bool {
	return b.Help().Key != "" && (len(b.Keys()) == 0 || b.Enabled())
}
