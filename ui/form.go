package ui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// field is one input of a small form: its label, a hint under it, and a
// check run as the user types that says what is wrong.
type field struct {
	label string
	hint  string
	in    textinput.Model
	check func(string) string // "" when the value is fine
	msg   string
	upper bool // upper-cased as typed (device IDs)
	// options are offered under the field, narrowed by what is typed;
	// ↑/↓ pick one (a group from the account's groups).
	options []string
	pick    int    // into the shown options; -1 when none is picked
	query   string // what was typed: it narrows the options, a pick does not
	// fixed: the value is one of the options, chosen with ↑/↓ or space;
	// nothing is typed.
	fixed bool
}

func newField(label, hint, placeholder string, check func(string) string) *field {
	in := newInput("", placeholder)
	return &field{label: label, hint: hint, in: in, check: check, pick: -1}
}

func (f *field) value() string { return strings.TrimSpace(f.in.Value()) }

func (f *field) validate() {
	if f.check != nil {
		f.msg = f.check(f.in.Value())
	}
}

// shown are the options that match what is typed.
func (f *field) shown() []string {
	q := strings.ToLower(strings.TrimSpace(f.query))
	var out []string
	for _, o := range f.options {
		if strings.Contains(strings.ToLower(o), q) {
			out = append(out, o)
		}
	}
	return out
}

func (f *field) update(msg tea.Msg) tea.Cmd {
	if f.fixed {
		if k, ok := msg.(tea.KeyPressMsg); ok && len(f.options) > 0 {
			i := slices.Index(f.options, f.in.Value())
			switch k.String() {
			case "up":
				i--
			case "down", "space":
				i++
			}
			f.in.SetValue(f.options[(i+len(f.options))%len(f.options)])
			f.validate()
		}
		return nil
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && len(f.options) > 0 {
		// A pick is written into the field, so what it shows is what is sent.
		switch k.String() {
		case "up", "down":
			shown := f.shown()
			if k.String() == "up" {
				f.pick = max(-1, f.pick-1)
			} else {
				f.pick = min(len(shown)-1, f.pick+1)
			}
			if f.pick >= 0 {
				f.in.SetValue(shown[f.pick])
			} else {
				f.in.SetValue(f.query)
			}
			f.in.CursorEnd()
			return nil
		}
	}
	var cmd tea.Cmd
	f.in, cmd = f.in.Update(msg)
	if f.upper {
		if v := f.in.Value(); v != strings.ToUpper(v) {
			pos := f.in.Position()
			f.in.SetValue(strings.ToUpper(v))
			f.in.SetCursor(pos)
		}
	}
	f.pick, f.query = -1, f.in.Value()
	f.validate()
	return cmd
}

// reset empties the field and forgets a pick.
func (f *field) reset() {
	f.in.SetValue("")
	f.pick, f.query, f.msg = -1, "", ""
}

// chosen is what the field shows (a pick is written into it); typed in
// another case it is the option it names: "marine" is the Marine group.
func (f *field) chosen() string {
	for _, o := range f.options {
		if strings.EqualFold(o, f.value()) {
			return o
		}
	}
	return f.value()
}

// form is a column of fields with one focused; tab and shift+tab move.
type form struct {
	sh     *common
	fields []*field
	focus  int
}

func (f *form) focused() *field { return f.fields[f.focus] }

func (f *form) focusOn(i int) tea.Cmd {
	f.fields[f.focus].in.Blur()
	f.focus = (i + len(f.fields)) % len(f.fields)
	return f.fields[f.focus].in.Focus()
}

// key moves between fields or types into the focused one; it reports
// enter, which the form's owner decides about.
func (f *form) key(msg tea.KeyPressMsg) (enter bool, cmd tea.Cmd) {
	switch msg.String() {
	case "tab":
		return false, f.focusOn(f.focus + 1)
	case "shift+tab":
		return false, f.focusOn(f.focus - 1)
	case "enter":
		return true, nil
	}
	return false, f.focused().update(msg)
}

func (f *form) paste(msg tea.PasteMsg) tea.Cmd { return f.focused().update(msg) }

// firstProblem is the first field with something wrong, or -1.
func (f *form) firstProblem() int {
	for i, fl := range f.fields {
		fl.validate()
		if fl.msg != "" {
			return i
		}
	}
	return -1
}

// view draws the fields in h lines at most: when they do not fit, the
// focused field is kept in sight and a line says what is above or below.
func (f *form) view(w, h int) []string {
	lines, from, to := f.lines(w)
	if len(lines) <= h {
		return lines
	}
	h = max(3, h)
	start := max(0, min(from-1, len(lines)-h))
	if to > start+h {
		start = to - h
	}
	out := append([]string(nil), lines[start:start+h]...)
	if start > 0 {
		out[0] = f.sh.st.dim.Render("  ↑ more above (shift+tab)")
	}
	if start+h < len(lines) {
		out[len(out)-1] = f.sh.st.dim.Render("  ↓ more below (tab)")
	}
	return out
}

// lines are every field's lines, and where the focused field's are.
func (f *form) lines(w int) (out []string, from, to int) {
	st := f.sh.st
	for i, fl := range f.fields {
		if i == f.focus {
			from = len(out)
		}
		label := st.title.Render(fl.label)
		if i == f.focus {
			label = st.key.Render("▸ " + fl.label)
		} else {
			label = "  " + label
		}
		fl.in.SetWidth(max(10, w-6))
		if fl.fixed {
			out = append(out, label)
			for _, o := range fl.options {
				mark := "( ) "
				if o == fl.in.Value() {
					mark = "(•) "
				}
				out = append(out, "  "+fit(mark+o, w-2))
			}
			if i == f.focus && fl.hint != "" {
				out = append(out, f.hintLines(fl.hint, w)...)
			}
			if i == f.focus {
				to = len(out)
			}
			out = append(out, "")
			continue
		}
		out = append(out, label, "  "+fit(fl.in.View(), w-2))
		switch {
		case fl.msg != "" && fl.value() != "":
			for _, l := range strings.Split(wrap(fl.msg, w-2), "\n") {
				out = append(out, "  "+st.errText.Render(l))
			}
		case fl.hint != "":
			out = append(out, f.hintLines(fl.hint, w)...)
		}
		if i == f.focus && len(fl.options) > 0 && !fl.fixed {
			shown := fl.shown()
			for j, o := range shown[:min(len(shown), 6)] {
				mark := "   "
				if j == fl.pick {
					mark = " ▶ "
				}
				out = append(out, st.dim.Render(mark)+fit(clean(o), w-4))
			}
			if len(shown) > 6 {
				out = append(out, st.dim.Render("   … "+itoa(len(shown)-6)+" more: type to narrow"))
			}
		}
		if i == f.focus {
			to = len(out)
		}
		out = append(out, "")
	}
	return out, from, to
}

// hintLines are a field's hint, wrapped: a hint says what to type, and
// one cut at the pane's edge hides the end of it.
func (f *form) hintLines(hint string, w int) []string {
	var out []string
	for _, l := range strings.Split(wrap(hint, w-2), "\n") {
		out = append(out, "  "+f.sh.st.dim.Render(l))
	}
	return out
}

func (f *form) hints() []hint {
	return []hint{
		{b: key.NewBinding(key.WithHelp("tab", "next field")), prio: 7},
		{b: key.NewBinding(key.WithHelp("enter", "ok")), prio: 9},
		{b: key.NewBinding(key.WithHelp("esc", "cancel")), prio: 9},
	}
}

// closeMsg asks the console to close the pane in front (a form's esc:
// the form takes every key, q included, so it cannot be closed by them).
type closeMsg struct{}

func closePane() tea.Msg { return closeMsg{} }

func newInput(prompt, placeholder string) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.Placeholder = placeholder
	st := in.Styles()
	st.Cursor.Blink = false
	in.SetStyles(st)
	in.SetWidth(40)
	return in
}
