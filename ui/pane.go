package ui

import (
	tea "charm.land/bubbletea/v2"

	"sqc/ui/look"
)

// pane is one region of the console that owns its state: its cursor,
// scroll and size, the keys it handles and the keys it offers to the
// footer and the help (soft-serve's Component: model, keymap, SetSize).
type pane interface {
	setSize(w, h int)
	// key offers the pane a key press; false passes it on to the console.
	key(msg tea.KeyPressMsg) (bool, tea.Cmd)
	view() string
	// hints are the pane's keys for the footer; helpGroups for the help.
	hints() []look.Hint
	helpGroups() []look.HelpGroup
	// typing reports a text input that takes every key (q included).
	typing() bool
	// update folds an answer addressed to the pane (a paneMsg's).
	update(msg tea.Msg) tea.Cmd
}

// paneID names a pane that answers are addressed to.
type paneID int

const (
	paneConfig paneID = iota + 1
	paneAdd
	paneBulk
	paneMQTT
)

// paneMsg is an answer for one pane: the console routes it there, in one
// place, and knows nothing of what it says (gh-dash's SectionMsg).
type paneMsg struct {
	to  paneID
	msg tea.Msg
}

// Panes whose answers the console still folds itself take none of their own.
func (p *listPane) update(tea.Msg) tea.Cmd     { return nil }
func (p *readingsPane) update(tea.Msg) tea.Cmd { return nil }
func (p *quotaPane) update(tea.Msg) tea.Cmd    { return nil }
func (p *logPane) update(tea.Msg) tea.Cmd      { return nil }

// console is what a pane may ask of the console around it: to say
// something in the footer, to ask a question over the screen, to log in
// again after the server refused the key, to issue the reads the
// scheduler has due, and to be closed. A pane holds this, never the root
// model: what it acts on is its own.
type console interface {
	toast(text string, isErr bool) tea.Cmd
	ask(*look.Prompt)
	// keyRefused starts the login when err is the server refusing the
	// key; kept says what the user keeps meanwhile.
	keyRefused(err error, kept string) bool
	schedule() tea.Cmd
	// seek focuses a device once the device list has it, and asks for
	// the list.
	seek(id string)
	// leave goes back from p when it is showing; nil when it is not.
	leave(p pane) tea.Cmd
	// showRight puts p on the right with the keys.
	showRight(p pane)
}
