package pane

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// A click in the chart puts the cursor at the time of the column clicked,
// and the values line shows the message there.
func TestHistoryClickMovesTheCursorToThatTime(t *testing.T) {
	r := newHistRig(t, 20*time.Second)
	p := r.pane(100, 30)
	run(p, p.Show(gridDevice))
	_ = p.View()
	lay := p.drawCache.chart.Layout
	for _, col := range []int{lay.Left, lay.Left + lay.Width/3, lay.Left + lay.Width - 1} {
		done, _ := p.Mouse(tea.Mouse{X: col, Y: headRows + 3, Button: tea.MouseLeft}, false)
		if !done {
			t.Fatalf("a click at column %d was not the chart's", col)
		}
		from, to := lay.Span(col)
		if p.cursor.Before(from) || p.cursor.After(to) {
			t.Fatalf("a click at column %d (%s–%s) put the cursor at %s", col, from, to, p.cursor)
		}
		at, _ := p.CursorValues()
		if d := at.Sub(p.cursor); d > 10*time.Second || d < -10*time.Second {
			t.Fatalf("cursor at %s shows the message of %s", p.cursor, at)
		}
		if s := ansi.Strip(p.View()); !strings.Contains(s, at.In(time.Local).Format("15:04:05")+" · ") {
			t.Fatalf("the values line does not follow the click to %s:\n%s", at, s)
		}
	}
	before := p.cursor
	if done, _ := p.Mouse(tea.Mouse{X: lay.Left - 1, Y: headRows + 3, Button: tea.MouseLeft}, false); done || p.cursor != before {
		t.Fatal("a click on the value labels moved the cursor")
	}
	if done, _ := p.Mouse(tea.Mouse{X: lay.Left + 5, Y: 0, Button: tea.MouseLeft}, false); done || p.cursor != before {
		t.Fatal("a click on the head moved the cursor")
	}
}

// The wheel zooms around the cursor, up in and down out; shift and the
// wheel pans.
func TestHistoryWheelZoomsAndPans(t *testing.T) {
	r := newHistRig(t, 20*time.Second)
	p := r.pane(100, 30)
	run(p, p.Show(gridDevice))
	_ = p.View()
	lay := p.drawCache.chart.Layout
	p.Mouse(tea.Mouse{X: lay.Left + lay.Width/2, Y: headRows + 3, Button: tea.MouseLeft}, false)
	cursor, whole := p.cursor, p.window.Dur()
	p.Mouse(tea.Mouse{X: lay.Left + 1, Y: headRows + 3, Button: tea.MouseWheelUp}, true)
	if p.window.Dur() != whole/2 || p.cursor != cursor || p.cursor.Before(p.window.From) || p.cursor.After(p.window.To) {
		t.Fatalf("wheel up: window %s (was %s), cursor %s (was %s)", p.window, whole, p.cursor, cursor)
	}
	from := p.window.From
	p.Mouse(tea.Mouse{X: lay.Left + 1, Y: headRows + 3, Button: tea.MouseWheelDown, Mod: tea.ModShift}, true)
	if p.window.Dur() != whole/2 || !p.window.From.After(from) {
		t.Fatalf("shift+wheel down did not pan later: window %s, was from %s", p.window, from)
	}
	p.Mouse(tea.Mouse{X: lay.Left + 1, Y: headRows + 3, Button: tea.MouseWheelDown}, true)
	if p.window != p.span {
		t.Fatalf("wheel down did not zoom back out to the range: %s", p.window)
	}
}
