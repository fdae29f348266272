package ui

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/ui/look"
	"sqc/ui/pane"
)

// notesPane is a pane of the kind a new feature adds: one type, opened
// from the list by a key of its own, registered with one line.
type notesPane struct {
	open key.Binding
	on   string // the device it was opened on; read by View on the console's goroutine
}

func (p *notesPane) SetSize(w, h int)                    {}
func (p *notesPane) Key(tea.KeyPressMsg) (bool, tea.Cmd) { return false, nil }
func (p *notesPane) View() string                        { return "Notes · " + p.on }
func (p *notesPane) Hints() []look.Hint                  { return nil }
func (p *notesPane) Typing() bool                        { return false }
func (p *notesPane) Update(tea.Msg) tea.Cmd              { return nil }
func (p *notesPane) Opens() look.Hint                    { return look.KeyHint(p.open, 10) }
func (p *notesPane) HelpGroups() []look.HelpGroup {
	return []look.HelpGroup{{Title: "notes (N)", Keys: []key.Binding{p.open}}}
}
func (p *notesPane) Show(d api.Device) tea.Cmd { p.on = d.DeviceID; return nil }

var _ pane.Opener = (*notesPane)(nil)

// A registered pane is offered in the footer from the list, opens on the
// focused device by its key, lists its keys in the help, and esc closes it.
func TestARegisteredPaneOpensByItsKey(t *testing.T) {
	t.Parallel()
	notes := &notesPane{open: key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "notes"))}
	h := start(t, setup{hosted: 1, model: func(m *Model) { m.register("", notes) }})
	h.scr.waitFor(t, "the list, with the notes offered", func(v string) bool {
		return listedRe.MatchString(v) && strings.Contains(lastLine(v), "N notes")
	})
	id := h.sim.Devices()[0].DeviceID
	h.openOn(t, id, "N")
	h.scr.waitText(t, "Notes · "+id)
	h.key("?")
	h.scr.waitText(t, "notes (N)")
	h.key("esc")
	h.key("esc")
	h.scr.waitFor(t, "the list again", func(v string) bool { return !strings.Contains(v, "Notes · ") })
	h.quit(t)
}
