package ui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// choice is one answer of a dialog that is not y/N: the keys that give
// it, how the hint names them, and what it does. A question whose
// default is safe (resume a draft) takes enter for it, and keeps the
// answer that loses something behind a key of its own, which no quick
// y or enter can press.
type choice struct {
	keys []string
	help string // "enter/y"
	does string // "resume it"
	act  func() tea.Cmd
}

// newChoice is a dialog answered by one of choices; keys that are none
// of them do nothing.
func newChoice(title string, body []string, question string, choices ...choice) *prompt {
	return &prompt{title: title, body: body, question: question, choices: choices}
}

// choose answers with the choice the key gives; false when it gives none.
func (p *prompt) choose(s string) (bool, tea.Cmd) {
	for _, c := range p.choices {
		if slices.Contains(c.keys, s) {
			return true, c.act()
		}
	}
	return false, nil
}

// choicesHelp is the line under the question: "enter/y resume it · d discard it".
func (p *prompt) choicesHelp() string {
	parts := make([]string, len(p.choices))
	for i, c := range p.choices {
		parts[i] = c.help + " " + c.does
	}
	return strings.Join(parts, " · ")
}

func (p *prompt) choiceHints() []hint {
	out := make([]hint, len(p.choices))
	for i, c := range p.choices {
		out[i] = hint{b: key.NewBinding(key.WithHelp(c.help, c.does)), prio: 9}
	}
	return out
}
