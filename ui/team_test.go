package ui

import (
	"strings"
	"testing"

	"sqc/api"
)

// The quota meter of a console on a shared engine lists the team: every
// console's name, role and what it has open; one that quits leaves the
// list, and a console alone shows no team.
func TestTheQuotaMeterListsTheTeam(t *testing.T) {
	t.Parallel()
	h, e := sharedEngine(t, 20, "", nil)
	d := h.liveDevice(t, api.PlanHosted)
	alice := h.joined(t, e, func(c *Config) { c.Who = "alice@laptop" })
	bob := h.joined(t, e, func(c *Config) { c.Who = "bob@desk"; c.ReadOnly = true })
	alice.openConfig(t, d.DeviceID)
	alice.scr.waitText(t, "synced")
	bob.scr.waitFor(t, "the device list", func(s string) bool { return listedRe.MatchString(s) })
	bob.key("u")
	bob.scr.waitFor(t, "the team on bob's quota meter", func(v string) bool {
		return strings.Contains(v, "Team · 2 consoles") && lineHolds(v, "alice@laptop", "writer", d.DeviceID+" · config") &&
			lineHolds(v, "bob@desk (you)", "viewer")
	})
	alice.quit(t)
	bob.scr.waitFor(t, "alice gone from bob's quota meter", func(v string) bool {
		return strings.Contains(v, "Quota") && !strings.Contains(v, "alice@laptop") && !strings.Contains(v, "Team ·")
	})
	bob.quit(t)
}

// lineHolds reports a line of the screen holding every part.
func lineHolds(screen string, parts ...string) bool {
	for _, l := range strings.Split(screen, "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			return true
		}
	}
	return false
}
