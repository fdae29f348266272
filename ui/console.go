package ui

import (
	tea "charm.land/bubbletea/v2"

	"sqc/ui/look"
	"sqc/ui/pane"
)

// console is the root model as the panes see it: pane.Console and nothing
// more. The panes live in another package, so the compiler keeps them off
// the rest of the model.
type console Model

var _ pane.Console = (*console)(nil)

func (c *console) m() *Model { return (*Model)(c) }

func (c *console) Toast(text string, isErr bool) tea.Cmd { return c.m().toast(text, isErr) }
func (c *console) Ask(p *look.Prompt)                    { c.m().ask(p) }
func (c *console) KeyRefused(err error, kept string) bool {
	return c.m().keyRefused(err, kept)
}
func (c *console) Schedule() tea.Cmd         { return c.m().schedule() }
func (c *console) Seek(id string)            { c.m().seek(id) }
func (c *console) Leave(p pane.Pane) tea.Cmd { return c.m().leave(p) }
func (c *console) ShowRight(p pane.Pane)     { c.m().showRight(p) }
