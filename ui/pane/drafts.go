package pane

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sqc/state"
	"sqc/ui/look"
)

// A draft no one knows of is as good as lost: the device list marks every
// device that has one, the start says how many there are, and the offer
// of one resumes it unless the user asks, with a key of its own, to
// discard it.

// DraftGlyph marks a device with a draft in the list (d in ASCII).
const DraftGlyph = "◆"

// draftMark is the list's and help's word for the marker.
var draftMark = key.NewBinding(key.WithHelp(DraftGlyph, "an unsent config draft: c offers it back"))

// LoadDrafts learns which devices have a draft under the key in use.
func (sh *Shared) LoadDrafts() {
	sh.Drafts, sh.DraftsErr = state.DraftDevices(sh.StateDir, sh.KeyFP)
}

// saveDraft writes a device's draft (none when it has no changes) and
// keeps the list's marks true to what is on disk.
func (sh *Shared) saveDraft(path string, d state.Draft) error {
	if err := state.SaveDraft(path, d); err != nil {
		return err
	}
	if sh.Drafts == nil {
		sh.Drafts = map[string]bool{}
	}
	if len(d.Changes) > 0 {
		sh.Drafts[d.DeviceID] = true
	} else {
		delete(sh.Drafts, d.DeviceID)
	}
	return nil
}

// offerDraftDialog asks what to do with a device's saved draft. Enter and
// y resume it; discarding takes d; n and esc leave it for later, kept on
// disk, and close the config, so that nothing staged now replaces it.
func (p *ConfigPane) offerDraftDialog(d state.Draft, fresh []state.Change) *look.Prompt {
	return look.NewChoice("A draft is saved for "+d.DeviceID+" ("+d.SavedAt.Local().Format("Jan 2 15:04")+")",
		state.DiffLines(fresh), "Resume it? [Y/n]",
		look.Choice{Keys: []string{"enter", "y", "Y"}, Help: "enter/y", Does: "resume it", Act: func() tea.Cmd {
			return tea.Batch(p.replace(fresh), p.con.Toast("draft resumed: w writes it", false))
		}},
		look.Choice{Keys: []string{"d"}, Help: "d", Does: "discard it", Act: func() tea.Cmd {
			return tea.Batch(p.replace(nil), p.con.Toast("draft of "+d.DeviceID+" discarded", false))
		}},
		look.Choice{Keys: []string{"n", "N", "esc", "q"}, Help: "n/esc", Does: "later: it is kept", Act: func() tea.Cmd {
			back := p.con.Leave(p) // first: leaving a pane drops what was said in it
			return tea.Batch(back, p.con.Toast("the draft of "+d.DeviceID+" is kept: c offers it again", false))
		}},
	)
}
