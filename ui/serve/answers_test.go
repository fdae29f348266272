package serve

import (
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// A served console asks the client's terminal what a local one asks (its
// background colour for light or dark styles, whether it draws a frame at
// once), and the terminal's answers reach it: a terminal that says it
// has synchronized output gets each frame drawn as one.
func TestTheTerminalIsAskedAndItsAnswersReachTheConsole(t *testing.T) {
	r := newRig(t, team, nil)
	tm := r.openRaw("alice")
	eventually(t, "the terminal asked for its background colour and synchronized output", func() bool {
		out := tm.out.String()
		return strings.Contains(out, ansi.RequestBackgroundColor) && strings.Contains(out, ansi.RequestModeSynchronizedOutput)
	})
	if strings.Contains(tm.out.String(), ansi.SetModeSynchronizedOutput) {
		t.Fatal("frames drawn synchronized before the terminal said it can")
	}
	// the answers: a light background, and mode 2026 known and off
	_, _ = io.WriteString(tm.in, "\x1b]11;rgb:ffff/ffff/ffff\x07\x1b[?2026;2$y")
	_, _ = io.WriteString(tm.in, "?") // a new frame: the help
	eventually(t, "a frame drawn synchronized", func() bool {
		return strings.Contains(tm.out.String(), ansi.SetModeSynchronizedOutput)
	})
}
