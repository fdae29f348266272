package ui

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"sqc/api"
	"sqc/keys"
	"sqc/state"
	"sqc/ui/pane"
)

// draftsIn counts the drafts the database in dir keeps for the tests' key.
func draftsIn(t *testing.T, dir string) int {
	t.Helper()
	db, err := state.OpenDB(dir, "acme", keys.Fingerprint(uiKey), time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids, err := db.DraftDevices(context.Background(), keys.Fingerprint(uiKey))
	if err != nil {
		t.Fatal(err)
	}
	return len(ids)
}

// draftCell is what the device list shows in the draft column of a
// device's row ("◆" or " "); false when the device has no row on screen.
func draftCell(screen, id string) (string, bool) {
	for _, l := range strings.Split(screen, "\n") {
		i := strings.Index(l, id)
		if i < 0 {
			continue
		}
		r := []rune(l[:i])
		if n := len(r); n >= 3 && strings.ContainsRune("▶ ", r[n-3]) && strings.ContainsRune("* ", r[n-2]) && strings.ContainsRune(pane.DraftGlyph+" ", r[n-1]) {
			return string(r[n-1]), true
		}
	}
	return "", false
}

// A device with a draft is marked in the list as soon as the draft is
// made, and a new console says at start which device has one and marks
// it before any config is opened; help says what the mark means.
func TestDraftsAreMarkedInTheListAndToldAtStart(t *testing.T) {
	dir := t.TempDir()
	h := start(t, setup{hosted: 1, cfg: func(c *Config) { c.StateDir = dir }})
	d := h.liveDevice(t, api.PlanHosted)
	h.openConfig(t, d.DeviceID)
	h.editKey(t, "ambient.warning", "47")
	h.scr.waitText(t, "kept as a draft")
	h.scr.waitFor(t, "the draft marked on its row", func(v string) bool {
		c, ok := draftCell(v, d.DeviceID)
		return ok && c == pane.DraftGlyph
	})
	h.quit(t)

	h2 := start(t, setup{hosted: 1, cfg: func(c *Config) { c.StateDir = dir }})
	h2.scr.waitText(t, d.DeviceID+" has an unsent config draft ("+pane.DraftGlyph+" in the list)")
	v := h2.scr.String()
	if c, ok := draftCell(v, d.DeviceID); !ok || c != pane.DraftGlyph {
		t.Fatalf("the device with a draft is not marked (%q, %v):\n%s", c, ok, v)
	}
	for _, o := range h2.sim.Devices() {
		if c, ok := draftCell(v, o.DeviceID); ok && o.DeviceID != d.DeviceID && c != " " {
			t.Fatalf("%s has no draft and is marked:\n%s", o.DeviceID, v)
		}
	}
	if !strings.Contains(v, "Devices 30 · "+pane.DraftGlyph+" 1 · sort") {
		t.Fatalf("the list's title does not count the draft:\n%s", v)
	}
	h2.key("?")
	h2.key("/")
	h2.key("draft")
	h2.scr.waitText(t, pane.DraftGlyph+"        an unsent config draft: c offers it back")
	h2.key("esc")
	h2.key("esc")
	h2.scr.waitText(t, pane.DraftGlyph+" draft  ") // in the footer, once the toast has gone
	h2.quit(t)
}

// The offer of a draft resumes it on y or enter; n and esc keep it for
// later and close the config; only d discards it, and then the list's
// mark goes too.
func TestDraftOfferResumesByDefaultAndDiscardsOnlyOnD(t *testing.T) {
	dir := t.TempDir()
	cfg := func(c *Config) { c.StateDir = dir }
	h := start(t, setup{hosted: 1, cfg: cfg})
	d := h.liveDevice(t, api.PlanHosted)
	h.openConfig(t, d.DeviceID)
	h.editKey(t, "ambient.warning", "47")
	h.scr.waitText(t, "kept as a draft")
	h.quit(t)
	drafts := func() int { return draftsIn(t, dir) }
	offer := func(h *harness) {
		t.Helper()
		h.scr.waitFor(t, "the offer of the draft", func(v string) bool {
			return strings.Contains(v, "A draft is saved for "+d.DeviceID) && strings.Contains(v, "Resume it? [Y/n]") &&
				strings.Contains(v, "enter/y resume it · d discard it · n/esc later: it is kept")
		})
	}

	for _, resume := range []string{"y", "enter"} {
		h := start(t, setup{hosted: 1, cfg: cfg})
		h.openConfig(t, d.DeviceID)
		offer(h)
		h.key(resume)
		h.scr.waitText(t, "50 → 47")
		h.scr.waitText(t, "1 change staged")
		h.quit(t)
		if drafts() != 1 {
			t.Fatalf("%s: the draft is gone from disk", resume)
		}
	}

	h = start(t, setup{hosted: 1, cfg: cfg})
	h.openConfig(t, d.DeviceID)
	offer(h)
	h.key("n")
	h.scr.waitText(t, "the draft of "+d.DeviceID+" is kept: c offers it again")
	if v := h.scr.String(); strings.Contains(v, "Config · "+d.DeviceID) {
		t.Fatalf("later left the config open, where a new edit would replace the draft:\n%s", v)
	}
	if drafts() != 1 {
		t.Fatal("n lost the draft")
	}
	h.key("c")
	offer(h)
	h.key("d")
	h.scr.waitText(t, "draft of "+d.DeviceID+" discarded")
	h.scr.waitFor(t, "the mark gone", func(v string) bool {
		c, ok := draftCell(v, d.DeviceID)
		return ok && c == " "
	})
	if v := h.scr.String(); strings.Contains(v, "→ 47") || strings.Contains(v, "staged") {
		t.Fatalf("the discarded change is still staged:\n%s", v)
	}
	h.quit(t)
	if n := drafts(); n != 0 {
		t.Fatalf("%d drafts left on disk after d", n)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
}

// Without a state directory (the demo) nothing is saved: the staged
// change does not claim to be kept as a draft, since a quit loses it.
func TestStagedChangeWithoutAStateDirDoesNotClaimADraft(t *testing.T) {
	t.Parallel()
	h := start(t, setup{hosted: 1})
	d := h.liveDevice(t, api.PlanHosted)
	h.scr.waitText(t, "Devices 30") // the device is listed before the filter looks for it
	h.openConfig(t, d.DeviceID)
	h.editKey(t, "ambient.warning", "47")
	h.scr.waitText(t, "1 change staged")
	if v := h.scr.String(); strings.Contains(v, "kept as a draft") || !strings.Contains(v, "not saved as a draft") {
		t.Fatalf("with no state directory the staged change says it is kept:\n%s", v)
	}
	h.quit(t)
}
