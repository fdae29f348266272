package look

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// Field is one input of a small form: its label, a hint under it, and a
// check run as the user types that says what is wrong.
type Field struct {
	Label string
	hint  string
	In    textinput.Model
	check func(string) string // "" when the value is fine
	Msg   string
	Upper bool // upper-cased as typed (device IDs)
	// Options are offered under the field, narrowed by what is typed;
	// ↑/↓ pick one (a group from the account's groups).
	Options []string
	pick    int    // into the shown options; -1 when none is picked
	query   string // what was typed: it narrows the options, a pick does not
	// Fixed: the value is one of the options, chosen with ↑/↓ or space;
	// nothing is typed.
	Fixed bool
}

func NewField(label, hint, placeholder string, check func(string) string) *Field {
	in := NewInput("", placeholder)
	return &Field{Label: label, hint: hint, In: in, check: check, pick: -1}
}

func (f *Field) Value() string { return strings.TrimSpace(f.In.Value()) }

func (f *Field) Validate() {
	if f.check != nil {
		f.Msg = f.check(f.In.Value())
	}
}

// shown are the options that match what is typed.
func (f *Field) shown() []string {
	q := strings.ToLower(strings.TrimSpace(f.query))
	var out []string
	for _, o := range f.Options {
		if strings.Contains(strings.ToLower(o), q) {
			out = append(out, o)
		}
	}
	return out
}

func (f *Field) update(msg tea.Msg) tea.Cmd {
	if f.Fixed {
		if k, ok := msg.(tea.KeyPressMsg); ok && len(f.Options) > 0 {
			i := slices.Index(f.Options, f.In.Value())
			switch k.String() {
			case "up":
				i--
			case "down", "space":
				i++
			}
			f.In.SetValue(f.Options[(i+len(f.Options))%len(f.Options)])
			f.Validate()
		}
		return nil
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && len(f.Options) > 0 {
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
				f.In.SetValue(shown[f.pick])
			} else {
				f.In.SetValue(f.query)
			}
			f.In.CursorEnd()
			return nil
		}
	}
	var cmd tea.Cmd
	f.In, cmd = f.In.Update(msg)
	if f.Upper {
		if v := f.In.Value(); v != strings.ToUpper(v) {
			pos := f.In.Position()
			f.In.SetValue(strings.ToUpper(v))
			f.In.SetCursor(pos)
		}
	}
	f.pick, f.query = -1, f.In.Value()
	f.Validate()
	return cmd
}

// Reset empties the field and forgets a pick.
func (f *Field) Reset() {
	f.In.SetValue("")
	f.pick, f.query, f.Msg = -1, "", ""
}

// Chosen is what the field shows (a pick is written into it); typed in
// another case it is the option it names: "marine" is the Marine group.
func (f *Field) Chosen() string {
	for _, o := range f.Options {
		if strings.EqualFold(o, f.Value()) {
			return o
		}
	}
	return f.Value()
}

// Form is a column of fields with one focused; tab and shift+tab move.
type Form struct {
	Sh     *Common
	Fields []*Field
	focus  int
}

func (f *Form) Focused() *Field { return f.Fields[f.focus] }

func (f *Form) FocusOn(i int) tea.Cmd {
	f.Fields[f.focus].In.Blur()
	f.focus = (i + len(f.Fields)) % len(f.Fields)
	return f.Fields[f.focus].In.Focus()
}

// Key moves between fields or types into the focused one; it reports
// enter, which the form's owner decides about.
func (f *Form) Key(msg tea.KeyPressMsg) (enter bool, cmd tea.Cmd) {
	switch msg.String() {
	case "tab":
		return false, f.FocusOn(f.focus + 1)
	case "shift+tab":
		return false, f.FocusOn(f.focus - 1)
	case "enter":
		return true, nil
	}
	return false, f.Focused().update(msg)
}

func (f *Form) Paste(msg tea.PasteMsg) tea.Cmd { return f.Focused().update(msg) }

// FirstProblem is the first field with something wrong, or -1.
func (f *Form) FirstProblem() int {
	for i, fl := range f.Fields {
		fl.Validate()
		if fl.Msg != "" {
			return i
		}
	}
	return -1
}

// View draws the fields in h lines at most: when they do not fit, the
// focused field is kept in sight and a line says what is above or below.
func (f *Form) View(w, h int) []string {
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
		out[0] = f.Sh.St.Dim.Render("  ↑ more above (shift+tab)")
	}
	if start+h < len(lines) {
		out[len(out)-1] = f.Sh.St.Dim.Render("  ↓ more below (tab)")
	}
	return out
}

// lines are every field's lines, and where the focused field's are.
func (f *Form) lines(w int) (out []string, from, to int) {
	st := f.Sh.St
	for i, fl := range f.Fields {
		if i == f.focus {
			from = len(out)
		}
		label := st.Title.Render(fl.Label)
		if i == f.focus {
			label = st.Key.Render("▸ " + fl.Label)
		} else {
			label = "  " + label
		}
		fl.In.SetWidth(max(10, w-6))
		if fl.Fixed {
			out = append(out, label)
			for _, o := range fl.Options {
				mark := "( ) "
				if o == fl.In.Value() {
					mark = "(•) "
				}
				out = append(out, "  "+Fit(mark+o, w-2))
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
		out = append(out, label, "  "+Fit(fl.In.View(), w-2))
		switch {
		case fl.Msg != "" && fl.Value() != "":
			for _, l := range strings.Split(Wrap(fl.Msg, w-2), "\n") {
				out = append(out, "  "+st.ErrText.Render(l))
			}
		case fl.hint != "":
			out = append(out, f.hintLines(fl.hint, w)...)
		}
		if i == f.focus && len(fl.Options) > 0 && !fl.Fixed {
			shown := fl.shown()
			for j, o := range shown[:min(len(shown), 6)] {
				mark := "   "
				if j == fl.pick {
					mark = " ▶ "
				}
				out = append(out, st.Dim.Render(mark)+Fit(Clean(o), w-4))
			}
			if len(shown) > 6 {
				out = append(out, st.Dim.Render("   … "+Itoa(len(shown)-6)+" more: type to narrow"))
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
func (f *Form) hintLines(hint string, w int) []string {
	var out []string
	for _, l := range strings.Split(Wrap(hint, w-2), "\n") {
		out = append(out, "  "+f.Sh.St.Dim.Render(l))
	}
	return out
}

func (f *Form) Hints() []Hint {
	return []Hint{
		{B: key.NewBinding(key.WithHelp("tab", "next field")), Prio: 7},
		{B: key.NewBinding(key.WithHelp("enter", "ok")), Prio: 9},
		{B: key.NewBinding(key.WithHelp("esc", "cancel")), Prio: 9},
	}
}

// CloseMsg asks the console to close the pane in front (a form's esc:
// the form takes every key, q included, so it cannot be closed by them).
type CloseMsg struct{}

func ClosePane() tea.Msg { return CloseMsg{} }

func NewInput(prompt, placeholder string) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.Placeholder = placeholder
	st := in.Styles()
	st.Cursor.Blink = false
	in.SetStyles(st)
	in.SetWidth(40)
	return in
}
