package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// At 80x24 the confirm of a change to 50 devices is longer than the
// screen: the page keys reach its last line, and the line that says
// there is more is shown only while there is.
func TestBulkConfirmOf50DevicesScrollsToItsLastLineAt80x24(t *testing.T) {
	h := start(t, setup{devices: 50, hosted: 1, w: 80, h: 24})
	h.runClock(t)
	h.markAllByPlan(t, 50)
	h.key("c")
	h.scr.waitText(t, "values are typed by")
	h.key("+")
	h.key("ambient.alarm = 65")
	h.key("enter")
	h.key("w")
	h.scr.waitText(t, "type 50 to send")
	if v := h.scr.String(); !strings.Contains(v, "pgdn") {
		t.Fatalf("a confirm longer than the screen does not say there is more:\n%s", v)
	}
	for range 30 {
		h.tm.Send(tea.KeyPressMsg{Code: tea.KeyPgDown})
	}
	h.scr.waitFor(t, "the confirm's last line", func(v string) bool {
		return strings.Contains(v, "flight.") && strings.Contains(v, "type 50 to send")
	})
	v := h.scr.String()
	if strings.Contains(v, "↓") {
		t.Errorf("at the end the confirm still says there is more below:\n%s", v)
	}
	if !strings.Contains(strings.ReplaceAll(v, "\n", " "), "Sent within the account's rate limit") {
		t.Errorf("the last sentence is not whole:\n%s", v)
	}
	if testing.Verbose() {
		t.Log(v)
	}
	h.quit(t)
}
