package pane

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
	"sqc/ui/look"
)

// fakeConsole is the console as a pane sees it, recording what the pane
// asked of it: a pane is tested on its own, with no root model.
type fakeConsole struct {
	toasts []string
	left   []Pane
}

func (c *fakeConsole) Toast(text string, isErr bool) tea.Cmd {
	c.toasts = append(c.toasts, text)
	return nil
}
func (c *fakeConsole) Ask(*look.Prompt)              {}
func (c *fakeConsole) KeyRefused(error, string) bool { return false }
func (c *fakeConsole) Schedule() tea.Cmd             { return nil }
func (c *fakeConsole) Seek(string)                   {}
func (c *fakeConsole) Leave(p Pane) tea.Cmd          { c.left = append(c.left, p); return nil }
func (c *fakeConsole) ShowRight(Pane)                {}

func newTestShared() *Shared {
	return &Shared{Common: look.Common{St: look.NewStyles(true), Keys: look.DefaultKeys()}, Now: time.Now,
		Fleet: state.NewFleet(), Calls: state.NewCallLog(), Writes: map[string]*ConfigWrite{}}
}

// The offer of a saved draft answers through the pane's console only:
// enter resumes the draft into the pane, d discards it, n leaves the pane
// and keeps the draft; each says so in the footer.
func TestDraftOfferActsOnThePaneAndTellsTheConsole(t *testing.T) {
	dev := api.Device{DeviceID: "JDA54E19F"}
	saved := []state.Change{{Key: "ambient.warning", Old: json.Number("50"), New: json.Number("47")}}
	draft := state.Draft{DeviceID: dev.DeviceID, SavedAt: time.Now(), Changes: saved}
	for _, tc := range []struct {
		key      tea.KeyPressMsg
		changes  int
		left     bool
		toldWord string
	}{
		{tea.KeyPressMsg{Code: tea.KeyEnter}, 1, false, "draft resumed: w writes it"},
		{tea.KeyPressMsg{Code: 'd', Text: "d"}, 0, false, "draft of JDA54E19F discarded"},
		{tea.KeyPressMsg{Code: 'n', Text: "n"}, 0, true, "the draft of JDA54E19F is kept: c offers it again"},
	} {
		sh, con := newTestShared(), &fakeConsole{}
		p := NewConfigPane(context.Background(), sh, con, "acme", time.Second)
		p.Open(dev)
		q := p.offerDraftDialog(draft, saved)
		done, cmd := q.Key(&sh.Common, tc.key)
		if !done {
			t.Fatalf("%s: the offer did not take its key", tc.key)
		}
		if cmd != nil {
			cmd()
		}
		if len(p.Changes) != tc.changes {
			t.Errorf("%s: %d changes staged, want %d", tc.key, len(p.Changes), tc.changes)
		}
		if left := len(con.left) == 1 && con.left[0] == Pane(p); left != tc.left {
			t.Errorf("%s: left the config pane %v, want %v", tc.key, left, tc.left)
		}
		if len(con.toasts) != 1 || con.toasts[0] != tc.toldWord {
			t.Errorf("%s: told %q, want %q", tc.key, con.toasts, tc.toldWord)
		}
	}
}
