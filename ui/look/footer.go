package look

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
)

// Unoffered is a hint for keys a pane takes but does not offer now (u
// with nothing to undo): the footer shows neither them nor the console's
// keys they shadow, since the focused pane gets a key first.
func Unoffered(bs ...key.Binding) Hint {
	var keys []string
	for _, b := range bs {
		keys = append(keys, b.Keys()...)
	}
	return Hint{B: key.NewBinding(key.WithKeys(keys...))}
}

// FooterLine lays out hints on one line of width w: the least important
// are dropped first, words are never cut, and what is shown keeps the
// order given. tail is always shown, at the end.
func FooterLine(sh *Common, hints []Hint, tail []Hint, w int) string {
	render := func(x Hint) string {
		d := x.Desc
		if d == "" {
			d = x.B.Help().Desc
		}
		return sh.St.Key.Render(x.B.Help().Key) + " " + d
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
			if !keep[i] && offered(x.B) && (best < 0 || x.Prio > hints[best].Prio) {
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
		return Fit(line, w)
	}
	return line
}

// offered reports a binding the footer may show: one made only to name a
// key (no keys of its own) or one that is enabled.
func offered(b key.Binding) bool {
	return b.Help().Key != "" && (len(b.Keys()) == 0 || b.Enabled())
}
