package pane

import (
	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/ui/look"
)

// Pane is one region of the console that owns its state: its cursor,
// scroll and size, the keys it handles and the keys it offers to the
// footer and the help (soft-serve's Component: model, keymap, SetSize).
type Pane interface {
	SetSize(w, h int)
	// Key offers the pane a key press; false passes it on to the console.
	Key(msg tea.KeyPressMsg) (bool, tea.Cmd)
	View() string
	// Hints are the pane's keys for the footer; HelpGroups for the help.
	Hints() []look.Hint
	HelpGroups() []look.HelpGroup
	// Typing reports a text input that takes every key (q included).
	Typing() bool
	// Update folds an answer addressed to the pane (a Msg's).
	Update(msg tea.Msg) tea.Cmd
}

// ID names a pane that answers are addressed to; each pane that takes
// answers declares its own beside it.
type ID string

// Msg is an answer for one pane: the console routes it there, in one
// place, and knows nothing of what it says (gh-dash's SectionMsg).
type Msg struct {
	To  ID
	Msg tea.Msg
}

// Panes whose answers the console still folds itself take none of their own.
func (p *ListPane) Update(tea.Msg) tea.Cmd     { return nil }
func (p *ReadingsPane) Update(tea.Msg) tea.Cmd { return nil }
func (p *QuotaPane) Update(tea.Msg) tea.Cmd    { return nil }
func (p *LogPane) Update(tea.Msg) tea.Cmd      { return nil }

// Console is what a pane may ask of the console around it: to say
// something in the footer, to ask a question over the screen, to log in
// again after the server refused the key, to issue the reads the
// scheduler has due, and to be closed. A pane holds this, never the root
// model: what it acts on is its own.
type Console interface {
	Toast(text string, isErr bool) tea.Cmd
	Ask(*look.Prompt)
	// KeyRefused starts the login when err is the server refusing the
	// key; kept says what the user keeps meanwhile.
	KeyRefused(err error, kept string) bool
	Schedule() tea.Cmd
	// Seek focuses a device once the device list has it, and asks for
	// the list.
	Seek(id string)
	// Leave goes back from p when it is showing; nil when it is not.
	Leave(p Pane) tea.Cmd
	// ShowRight puts p on the right with the keys.
	ShowRight(p Pane)
}

// Opener is a pane that opens on the right by a key of its own, from the
// device list, on the device in focus: registering it is all the console
// needs to offer it (the key in the footer, the pane on the right).
type Opener interface {
	Pane
	// Opens is the key that opens the pane, as the footer offers it.
	Opens() look.Hint
	// Show prepares the pane for d; the console then puts it on the right.
	Show(d api.Device) tea.Cmd
}
