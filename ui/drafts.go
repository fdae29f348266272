package ui

import (
	"fmt"
	"log/slog"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sqc/state"
	"sqc/state/store"
)

// A draft no one knows of is as good as lost: the device list marks every
// device that has one, the start says how many there are, and the offer
// of one resumes it unless the user asks, with a key of its own, to
// discard it.

// draftGlyph marks a device with a draft in the list (d in ASCII).
const draftGlyph = "◆"

// draftMark is the list's and help's word for the marker.
var draftMark = key.NewBinding(key.WithHelp(draftGlyph, "an unsent config draft: c offers it back"))

// openDB opens the database of the key in use (shared in the process),
// where its drafts and bulk jobs are kept. One that cannot be opened is
// said at start, and the console runs on: drafts are kept in it until it
// quits, and no bulk change is sent, since a stop could not be resumed.
// Those opened for earlier keys stay open until the console ends: a
// bulk job of a refused key still writes to its own.
func (sh *shared) openDB(profile string, log *slog.Logger) {
	sh.db, sh.dbErr, sh.dbLog = nil, nil, log
	if sh.stateDir == "" { // the demo keeps nothing
		return
	}
	sh.db, sh.dbErr = state.OpenDB(sh.stateDir, profile, sh.keyFP, sh.now(), log)
	if sh.db != nil {
		sh.dbs = append(sh.dbs, sh.db)
	}
}

// closeDBs gives back every database the console opened.
func (sh *shared) closeDBs() {
	for _, db := range sh.dbs {
		db.Close()
	}
	sh.dbs, sh.db = nil, nil
}

// store is the key's database, or nil when there is none.
func (sh *shared) store() store.Store {
	if sh.db == nil {
		return nil
	}
	return sh.db
}

// loadDrafts learns which devices have a draft under the key in use.
func (sh *shared) loadDrafts() {
	sh.unsaved = map[string]state.Draft{}
	if sh.stateDir == "" {
		sh.drafts, sh.draftsErr = map[string]bool{}, nil
		return
	}
	sh.drafts, sh.draftsErr = state.DraftDevices(sh.store(), sh.keyFP)
}

// saveDraft keeps a device's draft (none when it has no changes) and the
// list's marks true to it. A draft the database does not take is kept in
// the console, offered back as one on disk is, and the error says so.
func (sh *shared) saveDraft(d state.Draft) error {
	if sh.drafts == nil {
		sh.drafts = map[string]bool{}
	}
	if sh.unsaved == nil {
		sh.unsaved = map[string]state.Draft{}
	}
	err := state.SaveDraft(sh.store(), sh.keyFP, d)
	switch {
	case err == nil || len(d.Changes) == 0:
		delete(sh.unsaved, d.DeviceID)
	default:
		sh.unsaved[d.DeviceID] = d
	}
	if len(d.Changes) > 0 {
		sh.drafts[d.DeviceID] = true
	} else {
		delete(sh.drafts, d.DeviceID)
	}
	if err != nil {
		return fmt.Errorf("%w: the draft is kept in this console only, until it quits", err)
	}
	return nil
}

// loadDraft is a device's draft: the one the database did not take, if
// any, else the database's.
func (sh *shared) loadDraft(id string) (state.Draft, bool, error) {
	if d, ok := sh.unsaved[id]; ok {
		return d, true, nil
	}
	return state.LoadDraft(sh.store(), sh.keyFP, id)
}

// keepsDrafts reports whether a quit keeps the device's draft.
func (sh *shared) keepsDrafts(id string) bool {
	_, lost := sh.unsaved[id]
	return sh.stateDir != "" && sh.db != nil && !lost
}

// draftsNotice says, once at start, which drafts are waiting, and what
// opening the database set aside or could not do.
func (m *Model) draftsNotice() tea.Cmd {
	var said []tea.Cmd
	if err := m.sh.dbErr; err != nil {
		said = append(said, m.toast("the state database could not be opened ("+err.Error()+"): drafts are kept only until the console quits, and no bulk change can be sent", true))
	}
	if m.sh.db != nil {
		for _, n := range m.sh.db.Notes {
			said = append(said, m.toast(n, true))
		}
	}
	if err := m.sh.draftsErr; err != nil && m.sh.dbErr == nil {
		said = append(said, m.toast("the saved drafts could not be read: "+err.Error(), true))
	}
	switch n := len(m.sh.drafts); n {
	case 0:
	case 1:
		for id := range m.sh.drafts {
			said = append(said, m.toast(id+" has an unsent config draft ("+draftGlyph+" in the list): c on it offers it back", false))
		}
	default:
		said = append(said, m.toast(fmt.Sprintf("%d devices have unsent config drafts (%s in the list): c on one offers it back", n, draftGlyph), false))
	}
	return tea.Batch(said...)
}

// offerDraftDialog asks what to do with a device's saved draft. Enter and
// y resume it; discarding takes d; n and esc leave it for later, kept on
// disk, and close the config, so that nothing staged now replaces it.
func (p *configPane) offerDraftDialog(d state.Draft, fresh []state.Change) *prompt {
	return newChoice("A draft is saved for "+d.DeviceID+" ("+d.SavedAt.Local().Format("Jan 2 15:04")+")",
		state.DiffLines(fresh), "Resume it? [Y/n]",
		choice{keys: []string{"enter", "y", "Y"}, help: "enter/y", does: "resume it", act: func() tea.Cmd {
			return tea.Batch(p.replace(fresh), p.con.toast("draft resumed: w writes it", false))
		}},
		choice{keys: []string{"d"}, help: "d", does: "discard it", act: func() tea.Cmd {
			return tea.Batch(p.replace(nil), p.con.toast("draft of "+d.DeviceID+" discarded", false))
		}},
		choice{keys: []string{"n", "N", "esc", "q"}, help: "n/esc", does: "later: it is kept", act: func() tea.Cmd {
			back := p.con.leave(p) // first: leaving a pane drops what was said in it
			return tea.Batch(back, p.con.toast("the draft of "+d.DeviceID+" is kept: c offers it again", false))
		}},
	)
}
