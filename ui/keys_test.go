package ui

import (
	"strings"
	"testing"

	"sqc/api"
)

// cursorOnSecondRow: the list's second row has the ▶ (80x24: the title
// and the column heads are above it).
func cursorOnSecondRow(v string) bool {
	lines := strings.Split(v, "\n")
	return len(lines) > 4 && strings.HasPrefix(lines[4], "▶")
}

// Esc and a key typed within the terminal's escape time reach the console
// in one read, which the terminal decoder gives as one alt+key with no
// text: on every screen it is the esc, then the key.
func TestEscThenAKeyInOneReadIsBothKeys(t *testing.T) {
	t.Run("readings", func(t *testing.T) {
		h := start(t, setup{w: 80, h: 24, typed: true})
		h.scr.waitText(t, "Devices 30")
		h.key("s") // by ID: rows stay where they are as answers arrive
		h.key("g")
		h.key("enter")
		h.scr.waitFor(t, "the readings", func(v string) bool { return strings.HasSuffix(lastLine(v), "q back") })
		h.typed.write("\x1bj")
		h.scr.waitFor(t, "the list, its cursor on the second row", func(v string) bool {
			return cursorOnSecondRow(v) && strings.HasSuffix(lastLine(v), "q quit")
		})
		if final := h.quit(t); final.Cursor() != 1 {
			t.Fatalf("cursor on row %d", final.Cursor())
		}
	})
	t.Run("help", func(t *testing.T) {
		h := start(t, setup{w: 80, h: 24, typed: true})
		h.scr.waitText(t, "Devices 30")
		h.key("s")
		h.key("g")
		h.key("?")
		h.scr.waitText(t, "Keys · lines 1-")
		h.typed.write("\x1bj")
		h.scr.waitFor(t, "the help closed and the cursor moved", func(v string) bool {
			return !strings.Contains(v, "Keys · lines") && cursorOnSecondRow(v)
		})
		h.quit(t)
	})
	t.Run("filter", func(t *testing.T) {
		h := start(t, setup{w: 80, h: 24, typed: true})
		h.scr.waitText(t, "Devices 30")
		h.key("/")
		h.key("zzz")
		h.scr.waitText(t, "filter › zzz")
		h.typed.write("\x1b/")
		h.scr.waitFor(t, "the filter cleared and a new one open, with no slash typed", func(v string) bool {
			return strings.Contains(v, "filter ›") && !strings.Contains(v, "zzz") && !strings.Contains(v, "filter › /")
		})
		final := h.quit(t)
		if !final.list.Filtering || final.list.FilterIn.Value() != "" {
			t.Fatalf("filtering %v with %q typed", final.list.Filtering, final.list.FilterIn.Value())
		}
	})
	t.Run("config edit", func(t *testing.T) {
		h := start(t, setup{hosted: 1, typed: true})
		d := h.liveDevice(t, api.PlanHosted)
		h.scr.waitText(t, "Devices 30") // the device is listed before the filter looks for it
		h.openConfig(t, d.DeviceID)
		h.scr.waitText(t, "ambient.warning")
		h.key("/")
		h.key("ambient.warning")
		h.key("enter")
		h.key("enter")
		h.scr.waitText(t, "esc drop")
		h.key("ctrl+u")
		h.key("777")
		h.scr.waitText(t, "777")
		h.typed.write("\x1b\r") // drop the edit, then edit the key again
		h.scr.waitFor(t, "a new edit, without what was typed in the dropped one", func(v string) bool {
			return strings.Contains(v, "esc drop") && !strings.Contains(v, "777")
		})
		final := h.quit(t)
		if len(final.config.Changes) != 0 {
			t.Fatalf("the dropped edit was staged: %v", final.config.Changes)
		}
	})
}

// The quit keys are no dialog's: esc and ctrl+c in one read, and Q, quit
// from a y/N question, and quitting saves what a quit saves.
func TestQuitKeysQuitFromAQuestion(t *testing.T) {
	for name, typed := range map[string]string{"esc ctrl+c in one read": "\x1b\x03", "Q": "Q", "esc Q in one read": "\x1bQ"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			h := start(t, setup{w: 80, h: 24, typed: true, cfg: func(c *Config) { c.StateDir = dir }})
			h.scr.waitText(t, "Devices 30")
			h.key("space")
			h.scr.waitText(t, "1 marked")
			h.key("esc")
			h.scr.waitText(t, "Clear 1 mark? [y/N]")
			h.typed.write(typed)
			h.typed.final(t)
			if n, _ := kept(t, dir); n != 30 {
				t.Fatalf("what the screen showed was not kept at quit: %d devices of 30", n)
			}
		})
	}
}

// In a text field Q is a letter; ctrl+c still quits.
func TestQIsTypedInATextField(t *testing.T) {
	h := start(t, setup{w: 80, h: 24, typed: true})
	h.scr.waitText(t, "Devices 30")
	h.key("e")
	h.scr.waitText(t, "export to ›")
	h.key("ctrl+u")
	h.key("Q")
	h.scr.waitText(t, "export to › Q")
	h.key("esc")
	h.scr.waitText(t, "export cancelled")
	h.key("/")
	h.key("Q")
	h.scr.waitText(t, "filter › Q")
	if h.typed.ended() {
		t.Fatal("Q typed in a text field quit")
	}
	h.quit(t)
}

// firstHelpGroup is the title of the first group of keys the help shows.
func firstHelpGroup(v string) string {
	lines := strings.Split(v, "\n")
	for i, l := range lines {
		if !strings.Contains(l, "Keys") {
			continue
		}
		for _, l := range lines[i+1:] {
			if s := strings.Trim(l, " │╭╮╰╯─"); s != "" {
				return s
			}
		}
	}
	return ""
}

// The help lists the keys of the pane in front first.
func TestHelpListsThePaneInFrontFirst(t *testing.T) {
	t.Run("config", func(t *testing.T) {
		h := start(t, setup{hosted: 1})
		d := h.liveDevice(t, api.PlanHosted)
		h.scr.waitText(t, "Devices 30") // the device is listed before the filter looks for it
		h.openConfig(t, d.DeviceID)
		h.scr.waitText(t, "ambient.warning")
		h.key("?")
		h.scr.waitText(t, "Keys")
		if g := firstHelpGroup(h.scr.String()); g != "config (c)" {
			t.Fatalf("the first group is %q:\n%s", g, h.scr.String())
		}
		h.quit(t)
	})
	t.Run("bulk", func(t *testing.T) {
		h := start(t, setup{hosted: 1})
		h.scr.waitText(t, "Devices 30")
		h.key("space")
		h.key("j")
		h.key("space")
		h.scr.waitText(t, "2 marked")
		h.key("c")
		h.scr.waitText(t, "Change 2 devices")
		h.key("?")
		h.scr.waitText(t, "Keys")
		if g := firstHelpGroup(h.scr.String()); !strings.HasPrefix(g, "bulk change") {
			t.Fatalf("the first group is %q:\n%s", g, h.scr.String())
		}
		h.quit(t)
	})
	t.Run("MQTT", func(t *testing.T) {
		h := start(t, setup{hosted: 1})
		d := h.liveDevice(t, api.PlanHosted)
		h.scr.waitText(t, "Devices 30")
		h.openOn(t, d.DeviceID, "m")
		h.scr.waitText(t, "MQTT for "+d.DeviceID)
		h.key("shift+tab") // the CA choice: no text is typed there
		h.key("?")
		h.scr.waitText(t, "Keys")
		if g := firstHelpGroup(h.scr.String()); g != "provisioning" {
			t.Fatalf("the first group is %q:\n%s", g, h.scr.String())
		}
		h.quit(t)
	})
}

// Every key that works is in the help, and its search finds them.
func TestHelpSearchFindsCtrlAndStop(t *testing.T) {
	h := start(t, setup{w: 80, h: 24})
	h.scr.waitText(t, "Devices 30")
	h.key("?")
	h.scr.waitText(t, "Keys")
	h.key("/")
	h.key("ctrl")
	h.scr.waitFor(t, "every ctrl key", func(v string) bool {
		for _, want := range []string{"/ctrl", "ctrl+c", "ctrl+z", "ctrl+u", "pgdn/ctrl+d", "A/ctrl+a"} {
			if !strings.Contains(v, want) {
				return false
			}
		}
		return !strings.Contains(v, "no key matches")
	})
	h.key("esc")                        // clears the search, the help stays
	h.scr.waitText(t, "mark all shown") // the search cleared, the help still open
	h.key("/")
	h.key("stop")
	h.scr.waitFor(t, "esc stops a bulk change", func(v string) bool {
		return strings.Contains(v, "/stop") && strings.Contains(v, "esc") && strings.Contains(v, "stop the bulk change")
	})
	h.key("esc")
	h.key("/")
	h.key("marks")
	h.scr.waitText(t, "clear the marks")
	h.quit(t)
}

// esc with rows marked and no filter asks before it clears the marks, and
// the question speaks of the list as it is: no filter hides any of them.
func TestClearMarksAsksWithoutClaimingAFilter(t *testing.T) {
	h := start(t, setup{})
	h.scr.waitText(t, "Devices 30")
	// A marks every device shown: space, j, space would mark one device
	// twice when an answer re-sorts the list between the keys
	h.key("A")
	h.scr.waitText(t, "30 marked")
	h.key("esc")
	h.scr.waitText(t, "Clear 30 marks?")
	v := strings.Join(strings.Fields(h.scr.String()), " ")
	if !strings.Contains(v, "30 devices marked") || strings.Contains(v, "filter") {
		t.Fatalf("the question speaks of a filter while none is set:\n%s", h.scr.String())
	}
	h.key("y")
	h.scr.waitFor(t, "the marks cleared", func(v string) bool { return !strings.Contains(v, "marked") })
	h.quit(t)
}
