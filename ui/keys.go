package ui

import "charm.land/bubbles/v2/key"

// keyMap is the one keymap: the footer and the help overlay are generated
// from it. ctrl+a and ctrl+b are left alone: they are tmux prefixes.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Open, Back, NextPane                    key.Binding
	Filter, Sort, SortReverse, Mark, Copy   key.Binding
	Export, Refresh, Pause, Quota, Log      key.Binding
	Mouse, Help, Quit                       key.Binding
}

func defaultKeys() keyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Up:          b([]string{"up", "k"}, "↑/k", "up"),
		Down:        b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:      b([]string{"pgup"}, "pgup", "page up"),
		PageDown:    b([]string{"pgdown"}, "pgdn", "page down"),
		Top:         b([]string{"home", "g"}, "g", "first"),
		Bottom:      b([]string{"end", "G"}, "G", "last"),
		Open:        b([]string{"enter"}, "enter", "open device"),
		Back:        b([]string{"esc"}, "esc", "back"),
		NextPane:    b([]string{"tab"}, "tab", "next pane"),
		Filter:      b([]string{"/"}, "/", "filter"),
		Sort:        b([]string{"s"}, "s", "sort column"),
		SortReverse: b([]string{"S"}, "S", "reverse sort"),
		Mark:        b([]string{"space"}, "space", "mark"),
		Copy:        b([]string{"y"}, "y", "copy id"),
		Export:      b([]string{"e"}, "e", "export list"),
		Refresh:     b([]string{"r"}, "r", "refresh"),
		Pause:       b([]string{"p"}, "p", "pause"),
		Quota:       b([]string{"u"}, "u", "quota"),
		Log:         b([]string{"L"}, "L", "api log"),
		Mouse:       b([]string{"M"}, "M", "mouse on/off"),
		Help:        b([]string{"?"}, "?", "help"),
		Quit:        b([]string{"q", "ctrl+c"}, "q", "quit"),
	}
}

// helpGroup is a titled set of bindings for the help overlay.
type helpGroup struct {
	title string
	keys  []key.Binding
}

func (k keyMap) groups() []helpGroup {
	return []helpGroup{
		{"move", []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}},
		{"devices", []key.Binding{k.Open, k.Back, k.NextPane, k.Filter, k.Sort, k.SortReverse, k.Mark, k.Copy, k.Export}},
		{"live data", []key.Binding{k.Refresh, k.Pause, k.Quota, k.Log}},
		{"console", []key.Binding{k.Mouse, k.Help, k.Quit}},
	}
}
