package pane

import (
	"fmt"
	"log/slog"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sqc/state"
	"sqc/state/store"
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

// OpenDB opens the database of the key in use (shared in the process),
// where its drafts and bulk jobs are kept. One that cannot be opened is
// said at start, and the console runs on: drafts are kept in it until it
// quits, and no bulk change is sent, since a stop could not be resumed.
// Those opened for earlier keys stay open until the console ends: a
// bulk job of a refused key still writes to its own.
func (sh *Shared) OpenDB(profile string, log *slog.Logger) {
	sh.DB, sh.DBErr, sh.dbLog = nil, nil, log
	if sh.StateDir == "" { // the demo keeps nothing
		return
	}
	sh.DB, sh.DBErr = state.OpenDB(sh.StateDir, profile, sh.KeyFP, sh.Now(), log)
	if sh.DB != nil {
		sh.dbs = append(sh.dbs, sh.DB)
	}
}

// CloseDBs gives back every database the console opened.
func (sh *Shared) CloseDBs() {
	for _, db := range sh.dbs {
		db.Close()
	}
	sh.dbs, sh.DB = nil, nil
}

// Store is the key's database, or nil when there is none.
func (sh *Shared) Store() store.Store {
	if sh.DB == nil {
		return nil
	}
	return sh.DB
}

// LoadDrafts learns which devices have a draft under the key in use.
func (sh *Shared) LoadDrafts() {
	sh.unsaved = map[string]state.Draft{}
	if sh.StateDir == "" {
		sh.Drafts, sh.DraftsErr = map[string]bool{}, nil
		return
	}
	sh.Drafts, sh.DraftsErr = state.DraftDevices(sh.Store(), sh.KeyFP)
}

// saveDraft keeps a device's draft (none when it has no changes) and the
// list's marks true to it. A draft the database does not take is kept in
// the console, offered back as one on disk is, and the error says so.
func (sh *Shared) saveDraft(d state.Draft) error {
	if sh.Drafts == nil {
		sh.Drafts = map[string]bool{}
	}
	if sh.unsaved == nil {
		sh.unsaved = map[string]state.Draft{}
	}
	err := state.SaveDraft(sh.Store(), sh.KeyFP, d)
	switch {
	case err == nil || len(d.Changes) == 0:
		delete(sh.unsaved, d.DeviceID)
	default:
		sh.unsaved[d.DeviceID] = d
	}
	if len(d.Changes) > 0 {
		sh.Drafts[d.DeviceID] = true
	} else {
		delete(sh.Drafts, d.DeviceID)
	}
	if err != nil {
		return fmt.Errorf("%w: the draft is kept in this console only, until it quits", err)
	}
	return nil
}

// loadDraft is a device's draft: the one the database did not take, if
// any, else the database's.
func (sh *Shared) loadDraft(id string) (state.Draft, bool, error) {
	if d, ok := sh.unsaved[id]; ok {
		return d, true, nil
	}
	return state.LoadDraft(sh.Store(), sh.KeyFP, id)
}

// keepsDrafts reports whether a quit keeps the device's draft.
func (sh *Shared) keepsDrafts(id string) bool {
	_, lost := sh.unsaved[id]
	return sh.StateDir != "" && sh.DB != nil && !lost
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
