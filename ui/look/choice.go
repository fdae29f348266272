package look

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Choice is one answer of a dialog that is not y/N: the keys that give
// it, how the hint names them, and what it does. A question whose
// default is safe (resume a draft) takes enter for it, and keeps the
// answer that loses something behind a key of its own, which no quick
// y or enter can press.
type Choice struct {
	Keys []string
	Help string // "enter/y"
	Does string // "resume it"
	Act  func() tea.Cmd
}

// NewChoice is a dialog answered by one of choices; keys that are none
// of them do nothing.
func NewChoice(title string, body []string, question string, choices ...Choice) *Prompt {
	return &Prompt{Title: title, body: body, question: question, choices: choices}
}

// choose answers with the choice the key gives; false when it gives none.
func (p *Prompt) choose(s string) (bool, tea.Cmd) {
	for _, c := range p.choices {
		if slices.Contains(c.Keys, s) {
			return true, c.Act()
		}
	}
	return false, nil
}

// choicesHelp is the line under the question: "enter/y resume it · d discard it".
func (p *Prompt) choicesHelp() string {
	parts := make([]string, len(p.choices))
	for i, c := range p.choices {
		parts[i] = c.Help + " " + c.Does
	}
	return strings.Join(parts, " · ")
}

func (p *Prompt) choiceHints() []Hint {
	out := make([]Hint, len(p.choices))
	for i, c := range p.choices {
		out[i] = Hint{B: key.NewBinding(key.WithHelp(c.Help, c.Does)), Prio: 9}
	}
	return out
}
