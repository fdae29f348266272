package look

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Prompt is the one dialog of the console: a question over the screen,
// answered either with a line of text or with y/N. A y/N question
// defaults to No: only y says yes; n, esc and enter say no. Every write
// and the export ask through it (pug's y/N prompt is the model).
type Prompt struct {
	Title string
	body  []string // shown above the question: a diff, the exact request
	// question is the y/N line; when input is set, the text prompt's label.
	question string
	// yes and no say what each answer does, for the hint under a y/N
	// question ("y send · n, esc or enter cancel").
	yes, no string
	Input   *textinput.Model
	// choices, when set, are the answers instead of y/N (newChoice).
	choices []Choice
	// answer is called with the text (or "y") and whether the user said
	// yes; an error keeps the dialog open and shows it under the input,
	// so what was typed is never lost. It captures what it acts on (a
	// pane, a device's write): the dialog knows nothing of the console.
	answer func(value string, yes bool) (tea.Cmd, error)
	Err    string
	scroll Scroller
	// GuardUntil: keys before it were typed before the dialog could be
	// seen, and are not answers (see settleDialogs)
	GuardUntil time.Time
	// wrapped is the body wrapped at wrappedAt cells: a bulk change's
	// confirm lists every device, and frames come while answers do
	wrapped   []string
	wrappedAt int
}

// NewQuestion is a y/N dialog; yes and no say what each answer does.
func NewQuestion(title string, body []string, question, yes, no string, answer func(yes bool) tea.Cmd) *Prompt {
	return &Prompt{Title: title, body: body, question: question, yes: yes, no: no,
		answer: func(_ string, yes bool) (tea.Cmd, error) { return answer(yes), nil }}
}

// NewTextPrompt is a dialog with a line of text, starting with value.
func NewTextPrompt(title string, body []string, label, value string, answer func(value string, ok bool) (tea.Cmd, error)) *Prompt {
	in := NewInput(label, "")
	in.SetValue(value)
	in.CursorEnd()
	in.Focus()
	return &Prompt{Title: title, body: body, Input: &in, answer: answer}
}

// Key answers or edits; the dialog is closed when it returns true.
func (p *Prompt) Key(sh *Common, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	s := msg.String()
	if p.scroll.moveBody(msg) {
		return false, nil
	}
	if p.choices != nil {
		return p.choose(s)
	}
	if p.Input == nil {
		switch k := sh.Keys; {
		case Matches(msg, k.Yes):
			cmd, _ := p.answer("y", true)
			return true, cmd
		case Matches(msg, k.No):
			cmd, _ := p.answer("", false)
			return true, cmd
		}
		return false, nil
	}
	switch s {
	case "esc":
		cmd, _ := p.answer(p.Input.Value(), false)
		return true, cmd
	case "enter":
		cmd, err := p.answer(p.Input.Value(), true)
		if err != nil {
			p.Err = err.Error()
			return false, cmd
		}
		return true, cmd
	}
	var cmd tea.Cmd
	*p.Input, cmd = p.Input.Update(msg)
	p.Err = ""
	return false, cmd
}

func (p *Prompt) Paste(msg tea.PasteMsg) tea.Cmd {
	if p.Input == nil {
		return nil
	}
	var cmd tea.Cmd
	*p.Input, cmd = p.Input.Update(msg)
	return cmd
}

// moveBody scrolls a long body with the page keys only: every other key
// belongs to the answer.
func (s *Scroller) moveBody(msg tea.KeyPressMsg) bool {
	switch msg.String() {
	case "pgup":
		s.Offset -= max(1, s.Height-1)
	case "pgdown":
		s.Offset += max(1, s.Height-1)
	case "down":
		s.Offset++
	case "up":
		s.Offset--
	default:
		return false
	}
	s.Clamp()
	return true
}

// View draws the dialog's box to fit in w×h; the console sets it over
// the screen. Nothing in it is cut: the title, question and hint wrap,
// and a body taller than the room scrolls to its last line, with a line
// of its own under it that says what is above or below.
func (p *Prompt) View(sh *Common, w, h int) string {
	st := sh.St
	inner := max(20, min(w-4, 100)) // border and padding
	lines := WrapLines(st.Title, p.Title, inner)
	var tail []string
	if p.Input != nil {
		p.Input.SetWidth(max(10, inner-lipgloss.Width(p.Input.Prompt)-1))
		p.Input.SetCursor(p.Input.Position()) // scroll for the width it has now: a path that fits shows whole
		tail = append(tail, "", p.Input.View())
		if p.Err != "" {
			tail = append(tail, WrapLines(st.ErrText, p.Err, inner)...)
		}
		tail = append(tail, WrapLines(st.Dim, "enter ok · esc cancel", inner)...)
	} else if p.choices != nil {
		tail = append(tail, "")
		tail = append(tail, WrapLines(st.Title, p.question, inner)...)
		tail = append(tail, WrapLines(st.Dim, p.choicesHelp(), inner)...)
	} else {
		tail = append(tail, "")
		tail = append(tail, WrapLines(st.Title, p.question+" [y/N]", inner)...)
		tail = append(tail, WrapLines(st.Dim, "y "+p.yes+" · n, esc or enter "+p.no, inner)...)
	}
	bodyRoom := max(1, h-2-len(lines)-len(tail)-1) // the border's two lines and the blank under the title
	if p.wrapped == nil || p.wrappedAt != inner {
		p.wrapped, p.wrappedAt = []string{}, inner
		for _, l := range p.body {
			p.wrapped = append(p.wrapped, strings.Split(Wrap(l, inner), "\n")...)
		}
	}
	body := p.wrapped
	p.scroll.Height = bodyRoom
	var where string
	if len(body) > bodyRoom {
		p.scroll.Height = max(1, bodyRoom-1) // the last line says where the reader is
	}
	shown := p.scroll.Window(body)
	if below := len(body) - p.scroll.Offset - len(shown); below > 0 {
		where = fmt.Sprintf("↓ %s below · ↓/pgdn reads on", Plural(below, "line"))
	} else if p.scroll.Offset > 0 {
		where = fmt.Sprintf("the end, %s · ↑/pgup goes back", Plural(len(body), "line"))
	}
	if len(body) > 0 {
		lines = append(lines, "")
	}
	lines = append(lines, shown...)
	if where != "" {
		lines = append(lines, st.Dim.Render(Fit(where, inner)))
	}
	lines = append(lines, tail...)
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(st.BorderColor).Padding(0, 1)
	return box.Render(strings.Join(lines, "\n"))
}

// WrapLines is text wrapped at w cells, each line in style.
func WrapLines(style lipgloss.Style, text string, w int) []string {
	out := strings.Split(Wrap(text, w), "\n")
	for i, l := range out {
		out[i] = style.Render(l)
	}
	return out
}

func (p *Prompt) Hints(sh *Common) []Hint {
	if p.choices != nil {
		return p.choiceHints()
	}
	if p.Input != nil {
		return []Hint{{B: key.NewBinding(key.WithHelp("enter", "ok")), Prio: 9}, {B: key.NewBinding(key.WithHelp("esc", "cancel")), Prio: 9}}
	}
	return []Hint{{B: key.NewBinding(key.WithHelp("y", p.yes)), Prio: 9}, {B: key.NewBinding(key.WithHelp("n/esc", p.no)), Prio: 9}}
}
