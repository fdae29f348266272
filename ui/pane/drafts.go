package pane

import (
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
	sh.unsaved, sh.saving = map[string]state.Draft{}, map[string]int{}
	if sh.StateDir == "" {
		sh.Drafts, sh.DraftsErr = map[string]bool{}, nil
		return
	}
	sh.Drafts, sh.DraftsErr = state.DraftDevices(sh.Store(), sh.KeyFP)
}

// saveDraft keeps a device's draft (none when it has no changes) and the
// list's marks true to it. The draft is written in the command returned,
// off the console's goroutine, and said kept once the disk has it
// (draftSaved); until then, and if the database does not take it, it is
// kept in the console and offered back as one on disk is.
func (sh *Shared) saveDraft(d state.Draft) tea.Cmd {
	if sh.Drafts == nil {
		sh.Drafts = map[string]bool{}
	}
	if sh.unsaved == nil {
		sh.unsaved = map[string]state.Draft{}
	}
	if len(d.Changes) > 0 {
		sh.Drafts[d.DeviceID] = true
	} else {
		delete(sh.Drafts, d.DeviceID)
	}
	db := sh.Store()
	if db == nil { // nothing to wait for: said now
		if len(d.Changes) > 0 {
			sh.unsaved[d.DeviceID] = d
		} else {
			delete(sh.unsaved, d.DeviceID)
		}
		return look.Say("could not save the draft: "+state.ErrNoDatabase.Error()+": the draft is kept in this console only, until it quits", true)
	}
	sh.unsaved[d.DeviceID] = d
	if sh.saving == nil {
		sh.saving = map[string]int{}
	}
	n := sh.drafts.want(d)
	sh.saving[d.DeviceID] = n
	fp, w := sh.KeyFP, &sh.drafts
	return func() tea.Msg { return toConfig(w.write(db, fp, d.DeviceID)) }
}

// draftSaved folds the answer of a draft's save: the newest draft of the
// device on the disk is no longer kept in the console; one the database
// did not take is, and said.
func (sh *Shared) draftSaved(msg draftSavedMsg) tea.Cmd {
	if n, ok := sh.saving[msg.id]; ok && msg.n < n {
		return nil // a newer draft of the device is on its way
	}
	if msg.err == nil {
		if sh.drafts.newest(msg.id) == msg.n { // another save may have written it already
			delete(sh.saving, msg.id)
			delete(sh.unsaved, msg.id)
		}
		return nil
	}
	if _, ok := sh.saving[msg.id]; ok {
		delete(sh.saving, msg.id)
		return look.Say("could not save the draft: "+msg.err.Error()+": the draft is kept in this console only, until it quits", true)
	}
	return nil
}

// savingDraft reports whether a device's draft is on its way to the disk.
func (sh *Shared) savingDraft(id string) bool {
	_, ok := sh.saving[id]
	return ok
}

// loadDraft is a device's draft: the one the database did not take, if
// any, else the database's.
func (sh *Shared) loadDraft(id string) (state.Draft, bool, error) {
	if d, ok := sh.unsaved[id]; ok {
		return d, len(d.Changes) > 0, nil
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
