package ui

import (
	"fmt"
	"time"

	"sqc/state"
	"sqc/ui/pane"
)

// listAgain says when the list is read again after a listing that
// stopped early, and whether R may list before then.
func (m *Model) listAgain(now time.Time) string {
	return listAgainText(m.sh.Sched, now)
}

func listAgainText(sched *state.Scheduler, now time.Time) string {
	until, _, askable := sched.Stopped()
	s := "the list is read again by itself"
	if until.After(now) {
		s = fmt.Sprintf("the list is read again at %s UTC (in %s)", until.UTC().Format("15:04"), pane.Short(until.Sub(now)))
	}
	if askable {
		s += "; R lists now (once before then)"
	}
	return s
}
