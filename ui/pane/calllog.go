package pane

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/state"
	"sqc/ui/look"
)

// LogPane is the log of the latest API calls, newest first.
type LogPane struct {
	sh     *Shared
	w, h   int
	scroll look.Scroller
}

func NewLogPane(sh *Shared) *LogPane { return &LogPane{sh: sh} }

func (p *LogPane) SetSize(w, h int) { p.w, p.h, p.scroll.Height = w, h, h }
func (p *LogPane) Typing() bool     { return false }
func (p *LogPane) Key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	return p.scroll.Move(&p.sh.Common, msg), nil
}
func (p *LogPane) Hints() []look.Hint           { return []look.Hint{look.KeyHint(p.sh.Keys.Down, 3)} }
func (p *LogPane) HelpGroups() []look.HelpGroup { return nil }

func (p *LogPane) View() string {
	return strings.Join(p.scroll.Window(callLogLines(p.sh, p.sh.Calls, p.w)), "\n")
}

// callLogLines renders the API call log, newest first.
func callLogLines(sh *Shared, log *state.CallLog, width int) []string {
	st := sh.St
	out := []string{st.Title.Render(fmt.Sprintf("API calls · the last %d", log.Len())), ""}
	out = append(out, st.Dim.Render(look.Fit(fmt.Sprintf("%-8s  %-22s %-9s %6s %8s", "time", "operation", "device", "status", "latency"), width)))
	for i := 0; i < log.Len(); i++ {
		c := log.At(i)
		status := "  –"
		if c.Status != 0 {
			status = fmt.Sprintf("%3d", c.Status)
		}
		line := fmt.Sprintf("%-8s  %-22s %-9s %6s %8s", c.At.Local().Format("15:04:05"), look.Pad(string(c.Op), 22), c.DeviceID, status, latency(c.Latency))
		switch {
		case c.Status == 429 || c.Status >= 500 || (c.Status == 0 && c.Err != nil):
			line = st.Warn.Render(line)
		case c.Status >= 400:
			line = st.ErrText.Render(line)
		}
		out = append(out, look.Fit(line, width))
	}
	return out
}

// latency is a call's duration, to the tenth of a millisecond when short.
func latency(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return d.Round(time.Millisecond).String()
}
