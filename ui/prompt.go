package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// prompt is the one dialog of the console: a question over the screen,
// answered either with a line of text or with y/N. A y/N question
// defaults to No: only y says yes; n, esc and enter say no. Every write
// and the export ask through it (pug's y/N prompt is the model).
type prompt struct {
	title string
	body  []string // shown above the question: a diff, the exact request
	// question is the y/N line; when input is set, the text prompt's label.
	question string
	// yes and no say what each answer does, for the hint under a y/N
	// question ("y send · n, esc or enter cancel").
	yes, no string
	input   *textinput.Model
	// choices, when set, are the answers instead of y/N (newChoice).
	choices []choice
	// answer is called with the text (or "y") and whether the user said
	// yes; an error keeps the dialog open and shows it under the input,
	// so what was typed is never lost. It captures what it acts on (a
	// pane, a device's write): the dialog knows nothing of the console.
	answer func(value string, yes bool) (tea.Cmd, error)
	err    string
	scroll scroller
	// guardUntil: keys before it were typed before the dialog could be
	// seen, and are not answers (see settleDialogs)
	guardUntil time.Time
	// wrapped is the body wrapped at wrappedAt cells: a bulk change's
	// confirm lists every device, and frames come while answers do
	wrapped   []string
	wrappedAt int
}

// newQuestion is a y/N dialog; yes and no say what each answer does.
func newQuestion(title string, body []string, question, yes, no string, answer func(yes bool) tea.Cmd) *prompt {
	return &prompt{title: title, body: body, question: question, yes: yes, no: no,
		answer: func(_ string, yes bool) (tea.Cmd, error) { return answer(yes), nil }}
}

// newTextPrompt is a dialog with a line of text, starting with value.
func newTextPrompt(title string, body []string, label, value string, answer func(value string, ok bool) (tea.Cmd, error)) *prompt {
	in := newInput(label, "")
	in.SetValue(value)
	in.CursorEnd()
	in.Focus()
	return &prompt{title: title, body: body, input: &in, answer: answer}
}

// key answers or edits; the dialog is closed when it returns true.
func (p *prompt) key(sh *common, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	s := msg.String()
	if p.scroll.moveBody(msg) {
		return false, nil
	}
	if p.choices != nil {
		return p.choose(s)
	}
	if p.input == nil {
		switch k := sh.keys; {
		case matches(msg, k.Yes):
			cmd, _ := p.answer("y", true)
			return true, cmd
		case matches(msg, k.No):
			cmd, _ := p.answer("", false)
			return true, cmd
		}
		return false, nil
	}
	switch s {
	case "esc":
		cmd, _ := p.answer(p.input.Value(), false)
		return true, cmd
	case "enter":
		cmd, err := p.answer(p.input.Value(), true)
		if err != nil {
			p.err = err.Error()
			return false, cmd
		}
		return true, cmd
	}
	var cmd tea.Cmd
	*p.input, cmd = p.input.Update(msg)
	p.err = ""
	return false, cmd
}

func (p *prompt) paste(msg tea.PasteMsg) tea.Cmd {
	if p.input == nil {
		return nil
	}
	var cmd tea.Cmd
	*p.input, cmd = p.input.Update(msg)
	return cmd
}

// moveBody scrolls a long body with the page keys only: every other key
// belongs to the answer.
func (s *scroller) moveBody(msg tea.KeyPressMsg) bool {
	switch msg.String() {
	case "pgup":
		s.offset -= max(1, s.height-1)
	case "pgdown":
		s.offset += max(1, s.height-1)
	case "down":
		s.offset++
	case "up":
		s.offset--
	default:
		return false
	}
	s.clamp()
	return true
}

// view draws the dialog's box to fit in w×h; the console sets it over
// the screen. Nothing in it is cut: the title, question and hint wrap,
// and a body taller than the room scrolls to its last line, with a line
// of its own under it that says what is above or below.
func (p *prompt) view(sh *common, w, h int) string {
	st := sh.st
	inner := max(20, min(w-4, 100)) // border and padding
	lines := wrapLines(st.title, p.title, inner)
	var tail []string
	if p.input != nil {
		p.input.SetWidth(max(10, inner-lipgloss.Width(p.input.Prompt)-1))
		p.input.SetCursor(p.input.Position()) // scroll for the width it has now: a path that fits shows whole
		tail = append(tail, "", p.input.View())
		if p.err != "" {
			tail = append(tail, wrapLines(st.errText, p.err, inner)...)
		}
		tail = append(tail, wrapLines(st.dim, "enter ok · esc cancel", inner)...)
	} else if p.choices != nil {
		tail = append(tail, "")
		tail = append(tail, wrapLines(st.title, p.question, inner)...)
		tail = append(tail, wrapLines(st.dim, p.choicesHelp(), inner)...)
	} else {
		tail = append(tail, "")
		tail = append(tail, wrapLines(st.title, p.question+" [y/N]", inner)...)
		tail = append(tail, wrapLines(st.dim, "y "+p.yes+" · n, esc or enter "+p.no, inner)...)
	}
	bodyRoom := max(1, h-2-len(lines)-len(tail)-1) // the border's two lines and the blank under the title
	if p.wrapped == nil || p.wrappedAt != inner {
		p.wrapped, p.wrappedAt = []string{}, inner
		for _, l := range p.body {
			p.wrapped = append(p.wrapped, strings.Split(wrap(l, inner), "\n")...)
		}
	}
	body := p.wrapped
	p.scroll.height = bodyRoom
	var where string
	if len(body) > bodyRoom {
		p.scroll.height = max(1, bodyRoom-1) // the last line says where the reader is
	}
	shown := p.scroll.window(body)
	if below := len(body) - p.scroll.offset - len(shown); below > 0 {
		where = fmt.Sprintf("↓ %s below · ↓/pgdn reads on", plural(below, "line"))
	} else if p.scroll.offset > 0 {
		where = fmt.Sprintf("the end, %s · ↑/pgup goes back", plural(len(body), "line"))
	}
	if len(body) > 0 {
		lines = append(lines, "")
	}
	lines = append(lines, shown...)
	if where != "" {
		lines = append(lines, st.dim.Render(fit(where, inner)))
	}
	lines = append(lines, tail...)
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(st.borderColor).Padding(0, 1)
	return box.Render(strings.Join(lines, "\n"))
}

// wrapLines is text wrapped at w cells, each line in style.
func wrapLines(style lipgloss.Style, text string, w int) []string {
	out := strings.Split(wrap(text, w), "\n")
	for i, l := range out {
		out[i] = style.Render(l)
	}
	return out
}

func (p *prompt) hints(sh *common) []hint {
	if p.choices != nil {
		return p.choiceHints()
	}
	if p.input != nil {
		return []hint{{b: key.NewBinding(key.WithHelp("enter", "ok")), prio: 9}, {b: key.NewBinding(key.WithHelp("esc", "cancel")), prio: 9}}
	}
	return []hint{{b: key.NewBinding(key.WithHelp("y", p.yes)), prio: 9}, {b: key.NewBinding(key.WithHelp("n/esc", p.no)), prio: 9}}
}
