package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"sqc/api"
	"sqc/state/store"
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
	bob.key("esc")
	bob.key("i")
	bob.scr.waitText(t, "Inbox ·")
	alice.key("esc")
	alice.key("u")
	alice.scr.waitFor(t, "bob's inbox on alice's quota meter", func(v string) bool {
		return lineHolds(v, "bob@desk", "viewer", "inbox")
	})
	bob.key("u")
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

// A writer's change is seen by the whole team: a viewer on the device's
// config sees it queued by the writer, then applied; a console on its
// readings sees it pending with the writer's name until it is applied;
// the audit names the writer.
func TestAWritersChangeIsSeenQueuedThenAppliedByName(t *testing.T) {
	t.Parallel()
	h, e := sharedEngine(t, 20, t.TempDir(), nil)
	h.clock.freeze() // the device checks in when the test says
	d := h.liveDevice(t, api.PlanHosted)
	alice := h.joined(t, e, func(c *Config) { c.Who = "alice@laptop"; c.VerifyEvery = 50 * time.Millisecond })
	bob := h.joined(t, e, func(c *Config) { c.Who = "bob@desk"; c.ReadOnly = true })
	carol := h.joined(t, e, func(c *Config) { c.Who = "carol"; c.Device = d.DeviceID })
	alice.stageWarning(t, d.DeviceID)
	bob.openConfig(t, d.DeviceID)
	bob.scr.waitText(t, "synced")
	carol.scr.waitFor(t, "carol on the device's readings", func(v string) bool {
		return strings.Contains(v, "updated") && strings.Contains(v, d.DeviceID)
	})
	alice.key("w")
	alice.scr.waitText(t, "[y/N]")
	alice.key("y")
	bob.scr.waitFor(t, "alice's write queued on bob's config", func(v string) bool {
		return strings.Contains(v, "50 → 47 queued") && strings.Contains(v, "by another console (alice@laptop)")
	})
	carol.scr.waitFor(t, "alice's write pending on carol's readings", func(v string) bool {
		return lineHolds(v, "pending: queued ", " by alice@laptop: ambient.warning = 47")
	})
	h.clock.Advance(2 * time.Minute) // past the device's next check-in
	alice.scr.waitText(t, "applied at")
	bob.scr.waitFor(t, "alice's write applied on bob's config", func(v string) bool {
		return lineHolds(v, "applied at", "sent by another console (alice@laptop)")
	})
	carol.scr.waitFor(t, "the pending line gone from carol's readings", func(v string) bool {
		return strings.Contains(v, d.DeviceID) && !strings.Contains(v, "pending:")
	})
	audit, err := e.Ledger().Store().AuditLog(context.Background(), store.AuditQuery{Device: d.DeviceID})
	if err != nil || len(audit) != 1 || audit[0].Who != "alice@laptop" {
		t.Fatalf("audit %+v %v, want alice@laptop's write", audit, err)
	}
	for _, c := range []*harness{alice, bob, carol} {
		c.quit(t)
	}
}

// A second writer about to change a setting another has queued is told
// by whom and when, as the edit starts and on the confirm, and may still
// send: both writes go, each audited under its writer.
func TestASecondWriterIsToldWhoQueuedTheSameSetting(t *testing.T) {
	t.Parallel()
	h, e := sharedEngine(t, 20, t.TempDir(), nil)
	h.clock.freeze() // alice's change waits for the device while bob edits
	d := h.liveDevice(t, api.PlanHosted)
	alice := h.joined(t, e, func(c *Config) { c.Who = "alice@laptop" })
	bob := h.joined(t, e, func(c *Config) { c.Who = "bob@desk" })
	alice.stageWarning(t, d.DeviceID)
	alice.key("w")
	alice.scr.waitText(t, "[y/N]")
	alice.key("y")
	alice.scr.waitText(t, "waiting for the device to apply it")

	bob.openConfig(t, d.DeviceID)
	bob.scr.waitText(t, "ambient.alarm") // a row: the readings name ambient.warning in alice's pending change
	bob.key("/")
	bob.key("ambient.warning")
	bob.key("enter")
	bob.key("enter")
	bob.scr.waitFor(t, "bob told of alice's change as he edits", func(v string) bool {
		return lineHolds(v, "another console's change: queued ", " by alice@laptop: ambient.warning = 47")
	})
	bob.key("ctrl+u")
	bob.key("44")
	bob.key("enter")
	bob.scr.waitText(t, "→ 44")
	bob.key("w")
	bob.scr.waitFor(t, "the confirm naming alice's change", func(v string) bool {
		return strings.Contains(v, "[y/N]") && strings.Contains(v, "pending from another console") &&
			lineHolds(v, "queued ", " by alice@laptop: ambient.warning = 47 (not yet seen applied)")
	})
	bob.key("y")
	bob.scr.waitText(t, "queued; the device applies it")
	if w := h.writes(); len(w) != 2 {
		t.Fatalf("%d writes reached the server, want alice's and bob's", len(w))
	}
	audit, err := e.Ledger().Store().AuditLog(context.Background(), store.AuditQuery{Device: d.DeviceID})
	if err != nil || len(audit) != 2 || audit[0].Who != "alice@laptop" || audit[1].Who != "bob@desk" {
		t.Fatalf("audit %+v %v, want alice@laptop's write then bob@desk's", audit, err)
	}
	alice.quit(t)
	bob.quit(t)
}

// freeze stops the clock where it is: it moves only by Advance.
func (c *fakeClock) freeze() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t, c.frozen = c.t.Add(time.Since(c.since)), true
}
