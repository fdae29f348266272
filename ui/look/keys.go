package look

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// KeyMap is the one keymap: every binding of the console, from which the
// footer and the help are generated. ctrl+a and ctrl+b are tmux prefixes:
// every action has a plain key, and ctrl+a only doubles one.
type KeyMap struct {
	// moving, in any pane
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	// the console
	Open, Back, Quit, ForceQuit, Interrupt, NextPane, Help, Quota, Log, Refresh, RefreshList, Pause, Mouse, Suspend key.Binding
	// the device list
	Filter, Sort, SortReverse, Mark, MarkAll, ClearMarks, Copy, Export, Config, AddDevice, MQTT key.Binding
	// a bulk change under way
	Stop key.Binding
	// dialogs, forms and text fields
	Yes, No, NextField, PrevField, ClearText key.Binding
	// the config pane
	Search, Edit, AddKey, Editor, Undo, Write key.Binding
	// the inbox of what changed in the fleet
	Inbox key.Binding
}

func DefaultKeys() KeyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:       b([]string{"up", "k"}, "↑/k", "up"),
		Down:     b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:   b([]string{"pgup", "ctrl+u"}, "pgup/ctrl+u", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+d"}, "pgdn/ctrl+d", "page down"),
		Top:      b([]string{"home", "g"}, "g", "first"),
		Bottom:   b([]string{"end", "G"}, "G", "last"),

		Open:        b([]string{"enter", "l", "right"}, "enter", "open"),
		Back:        b([]string{"esc", "h", "left", "backspace"}, "esc/h", "back"),
		Quit:        b([]string{"q"}, "q", "quit"),
		ForceQuit:   b([]string{"Q"}, "Q", "quit from anywhere, a y/N question too (typed in a text field)"),
		Interrupt:   b([]string{"ctrl+c"}, "ctrl+c", "quit from anywhere, a text field too"),
		NextPane:    b([]string{"tab"}, "tab", "other pane"),
		Help:        b([]string{"?"}, "?", "help"),
		Quota:       b([]string{"u"}, "u", "quota"),
		Log:         b([]string{"L"}, "L", "api log"),
		Refresh:     b([]string{"r"}, "r", "read the device now"),
		RefreshList: b([]string{"R"}, "R", "read the device list now"),
		Pause:       b([]string{"p"}, "p", "pause"),
		Mouse:       b([]string{"M"}, "M", "mouse on/off"),
		Suspend:     b([]string{"ctrl+z"}, "ctrl+z", "suspend (fg resumes)"),

		Filter:      b([]string{"/"}, "/", "filter"),
		Sort:        b([]string{"s"}, "s", "sort"),
		SortReverse: b([]string{"S"}, "S", "reverse sort"),
		Mark:        b([]string{"space"}, "space", "mark"),
		MarkAll:     b([]string{"A", "ctrl+a"}, "A/ctrl+a", "mark all shown"),
		ClearMarks:  b([]string{"esc", "h", "left", "backspace"}, "esc", "clear the marks (asks first)"),
		Copy:        b([]string{"y"}, "y", "copy id"),
		Export:      b([]string{"e"}, "e", "export"),
		Config:      b([]string{"c"}, "c", "config (of the marked, if any)"),
		AddDevice:   b([]string{"a"}, "a", "add a device"),
		MQTT:        b([]string{"m"}, "m", "MQTT certificates"),

		Search: b([]string{"/"}, "/", "search keys"),
		Edit:   b([]string{"enter"}, "enter", "edit value"),
		AddKey: b([]string{"+"}, "+", "add key"),
		Editor: b([]string{"E"}, "E", "edit all in $EDITOR"),
		Undo:   b([]string{"u"}, "u", "undo"),
		Write:  b([]string{"w"}, "w", "write to device"),

		Inbox: b([]string{"i"}, "i", "inbox: what changed"),

		Stop: b([]string{"esc", "h", "left", "backspace"}, "esc", "stop the bulk change: the rest is not sent"),

		Yes:       b([]string{"y", "Y"}, "y", "yes, in a y/N question"),
		No:        b([]string{"n", "N", "esc", "enter", "q"}, "n/esc/enter", "no: a y/N question defaults to No"),
		NextField: b([]string{"tab"}, "tab", "next field of a form"),
		PrevField: b([]string{"shift+tab"}, "shift+tab", "previous field of a form"),
		ClearText: b([]string{"ctrl+u"}, "ctrl+u", "clear a text field up to the cursor"),
	}
}

// Hint is a binding offered to the footer, with how much it matters: the
// footer drops the least important first when the line is short.
type Hint struct {
	B    key.Binding
	Desc string // overrides the binding's description here ("back" for q)
	Prio int    // higher stays longer
}

func KeyHint(b key.Binding, prio int) Hint { return Hint{B: b, Prio: prio} }

// HelpGroup is a titled set of bindings for the help screen.
type HelpGroup struct {
	Title string
	Keys  []key.Binding
}

func Matches(msg tea.KeyPressMsg, b ...key.Binding) bool { return key.Matches(msg, b...) }
