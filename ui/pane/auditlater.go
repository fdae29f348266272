package pane

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
	"sqc/ui/look"
)

// settleAudit writes what a read-back proved to the audit log in a
// command: an append waits for the disk (and for a database another
// process holds), which the console's goroutine must not. A line the
// database does not take is said, and kept for the next append. The line
// is the console's who read it back (its view's name).
func settleAudit(sh *Shared, at time.Time, profile, id string, says state.ReadBackSays) tea.Cmd {
	a := sh.Gate.Audit
	who := ""
	if sh.View != nil {
		who = sh.View.Name()
	}
	if a == nil || says == state.ReadBackWait {
		return nil
	}
	return func() tea.Msg {
		if err := a.Settled(at, profile, who, id, api.OpUpdateConfig, says); err != nil {
			return look.ToastMsg{Text: "the audit log could not be written: " + err.Error(), IsErr: true}
		}
		return nil
	}
}
