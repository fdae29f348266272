package pane

import (
	"fmt"

	"sqc/ui/look"
)

// teamLines are the quota meter's lines on the consoles sharing this
// one's engine: who is connected, as what, since when and what they have
// open. A console alone on its engine shows none: it is the whole team.
func teamLines(sh *Shared, width int) []string {
	if sh.Eng == nil || sh.View == nil {
		return nil
	}
	team := sh.Eng.Team()
	if len(team) < 2 {
		return nil
	}
	st := sh.St
	now := sh.Now()
	out := []string{"", st.Title.Render(fmt.Sprintf("Team · %d consoles", len(team))) +
		st.Dim.Render(" · one set of reads: used today above is everyone's")}
	type row struct{ name, role, open, since string }
	rows := make([]row, 0, len(team))
	nameW, openW := 0, 0
	for _, m := range team {
		r := row{name: look.Clean(m.Name), role: "writer", open: "—"}
		if m.ID == sh.View.ID() {
			r.name += " (you)"
		}
		if m.ReadOnly {
			r.role = "viewer"
		}
		switch {
		case m.Device != "" && m.Pane != "":
			r.open = look.Clean(m.Device) + " · " + look.Clean(m.Pane)
		case m.Device != "":
			r.open = look.Clean(m.Device)
		}
		r.since = "since " + m.Since.Local().Format("15:04") + " (" + Short(now.Sub(m.Since)) + ")"
		nameW, openW = max(nameW, look.CellWidth(r.name)), max(openW, look.CellWidth(r.open))
		rows = append(rows, r)
	}
	// what each has open before how long: a narrow pane cuts the least
	// useful column
	nameW, openW = min(nameW, 24), min(openW, 28)
	for _, r := range rows {
		out = append(out, look.Fit("  "+look.Pad(r.name, nameW)+"  "+r.role+"  "+look.Pad(r.open, openW)+"  "+r.since, width))
	}
	return out
}
