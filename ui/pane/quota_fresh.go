package pane

import (
	"fmt"
	"strings"

	"sqc/state"
	"sqc/ui/look"
)

// freshLines tell how far behind the fleet picture is: the delay from a
// device's report to its message on screen, what share of the reads
// brought something new, how often the device list is read, and why the
// fleet is read round-robin when the list cannot tell what changed.
func freshLines(sh *Shared, f state.Fresh, width int) []string {
	st := sh.St
	var out []string
	add := func(label, value string) { out = append(out, look.Fit(fmt.Sprintf("%-15s %s", label, value), width)) }
	out = append(out, "", st.Title.Render("Freshness")+st.Dim.Render(fmt.Sprintf(" · over the last %d minutes", int(state.FreshWindow.Minutes()))))
	if f.Fallback != "" {
		for _, l := range strings.Split(look.Wrap("Reading the fleet round-robin: "+f.Fallback+".", width), "\n") {
			out = append(out, st.Warn.Render(l))
		}
	}
	if f.News == 0 {
		add("behind by", st.Dim.Render("no new message read yet"))
	} else {
		add("behind by", fmt.Sprintf("median %s · worst %s", Short(f.Median), Short(f.Worst)))
	}
	if f.Reads == 0 {
		add("reads", st.Dim.Render("none since the first pass"))
	} else {
		add("reads", fmt.Sprintf("%d%% brought something new (%d of %d)", f.News*100/f.Reads, f.News, f.Reads))
	}
	if f.ListEvery > 0 {
		add("device list", "read every "+Short(f.ListEvery))
	} else {
		add("device list", st.Dim.Render("not read again today (the share is spent)"))
	}
	return out
}
