package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
)

// A pane that has the keys keeps them when the terminal narrows: the
// config opened on a wide screen takes the narrow screen (it used to hide
// behind the list, which then had the keys while q said back), and esc
// gives the keys back to the list it was opened from.
func TestOpenPaneKeepsTheKeysAcrossAResize(t *testing.T) {
	t.Parallel()
	h := start(t, setup{hosted: 1})
	d := h.liveDevice(t, api.PlanHosted)
	h.openConfig(t, d.DeviceID)
	h.scr.waitText(t, "synced")
	h.scr.resize(80, 24)
	h.tm.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.scr.waitFor(t, "the config alone on the narrow screen", func(v string) bool {
		return strings.Contains(v, "Config · "+d.DeviceID) && !strings.Contains(v, "Devices 1 of")
	})
	h.key("esc")
	h.scr.waitFor(t, "the list, with the keys", func(v string) bool {
		return strings.Contains(v, "Devices 1 of") && !strings.Contains(v, "Config · ") && strings.Contains(v, "q quit")
	})
	h.quit(t)
}
