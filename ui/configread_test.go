package ui

import (
	"strings"
	"testing"

	"sqc/api"
)

// A read the user declines is answered too: the config pane says it was
// not read and how to read it, instead of loading for ever, and nothing
// is read.
func TestDeclinedConfigReadSaysWhy(t *testing.T) {
	t.Parallel()
	h := start(t, setup{hosted: 0.3})
	d := h.liveDevice(t, api.PlanTrial)
	h.openConfig(t, d.DeviceID)
	h.scr.waitText(t, "costs 1 of its")
	h.key("n")
	h.scr.waitFor(t, "the pane saying why it has no config", func(v string) bool {
		return strings.Contains(v, "Config · "+d.DeviceID) && strings.Contains(v, "not read: r reads it when you want") && !strings.Contains(v, "[y/N]")
	})
	for _, r := range h.sim.Requests() {
		if strings.HasSuffix(r.Path, "/config") {
			t.Fatalf("the declined read was made: %s %s", r.Method, r.Path)
		}
	}
	h.quit(t)
}
