package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/api/sim"
	"sqc/ui/look"
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

// A dialog over lines cut with … blanks the rows it stands on: no … of
// the screen behind is left beside its border, where it reads as the
// dialog's own.
func TestDialogOverCutLinesLeavesNoStrayEllipsis(t *testing.T) {
	w, h := 100, 12
	var under []string
	for range h {
		under = append(under, strings.Repeat("x", w-1)+"…")
	}
	box := "╭────╮\n│ ok │\n╰────╯"
	rows := strings.Split(overlay(strings.Join(under, "\n"), box, w, h), "\n")
	if len(rows) != h {
		t.Fatalf("%d rows, want %d", len(rows), h)
	}
	for y, r := range rows {
		inBox := strings.Contains(r, "│") || strings.Contains(r, "╭") || strings.Contains(r, "╰")
		if inBox && strings.Contains(r, "…") {
			t.Errorf("row %d beside the dialog shows the … behind it: %q", y, r)
		}
		if !inBox && !strings.HasSuffix(r, "…") {
			t.Errorf("row %d away from the dialog lost what it showed: %q", y, r)
		}
	}
}

// At 80 columns the header still says where the key came from, next to
// the connection and a read-only session's mark.
func TestHeaderShowsTheKeySourceAt80Columns(t *testing.T) {
	h := start(t, setup{w: 80, h: 24, cfg: func(c *Config) { c.KeySource, c.ReadOnly = "file (insecure)", true }})
	h.scr.waitFor(t, "a header with the connection, READ-ONLY and the key's source", func(v string) bool {
		header := strings.Split(v, "\n")[0]
		for _, want := range []string{"● online", "READ-ONLY", "file (insecure)", "acme"} {
			if !strings.Contains(header, want) {
				return false
			}
		}
		return true
	})
	h.quit(t)
}

// The key's source gives way only to the connection's own words, as the
// README says: at 80 columns, offline, cached and read-only at once.
func TestHeaderDropsTheKeySourceOnlyForTheConnection(t *testing.T) {
	p := headerParts{name: "sqc", profile: "acme", devices: "128 devices", key: "keyring", gauge: "▕███     ▏", percent: " 41%"}
	p.conn = "● online · reading 23/60 · ‖ paused · READ-ONLY"
	if l := headerLine(80, p); !strings.Contains(l, "keyring") || !strings.Contains(l, p.conn) || look.CellWidth(l) != 80 {
		t.Errorf("online at 80 columns: %q", l)
	}
	p.conn = "○ offline · retry in 8s (r now) · cached, 6m ago · READ-ONLY"
	l := headerLine(80, p)
	if strings.Contains(l, "keyring") || !strings.Contains(l, p.conn) || look.CellWidth(l) != 80 {
		t.Errorf("offline, cached and read-only at 80 columns: %q", l)
	}
	if l := headerLine(120, p); !strings.Contains(l, "⚿ keyring") || !strings.Contains(l, "quota") {
		t.Errorf("at 120 columns: %q", l)
	}
}

// At 80x24 the add-device form's hints are read whole: a hint longer
// than the pane wraps onto more lines.
func TestAddDeviceHintsAreWholeAt80x24(t *testing.T) {
	h := start(t, setup{w: 80, h: 24})
	h.scr.waitText(t, "Devices 30")
	h.key("a")
	h.scr.waitText(t, "Add a device to the account")
	h.key("tab")
	h.scr.waitFor(t, "the group's hint whole", func(v string) bool {
		flat := strings.Join(strings.Fields(v), " ")
		return strings.Contains(flat, "one of the account's groups (↑/↓ pick), or a new group's name; empty: the account's default")
	})
	h.quit(t)
}

// At 80x24 a bulk change's row too long for the screen is read whole:
// the row under the cursor wraps onto as many lines as it needs.
func TestBulkRowIsReadWholeAt80x24(t *testing.T) {
	h := start(t, setup{devices: 8, hosted: 1, w: 80, h: 24, cfg: func(c *Config) { c.StateDir = t.TempDir() }})
	const why = "Unprocessable: setting locked by the account's administrator until the next maintenance window"
	h.askBulkAlarm(t, 8)
	h.sim.Inject(sim.Fault{Op: api.OpUpdateConfig, Status: 422, Message: why, Count: 1})
	h.key("y")
	h.scr.waitText(t, "done: ")
	whole := func(v string) bool { return strings.Contains(strings.Join(strings.Fields(v), " "), why) }
	h.scr.waitFor(t, "the failed row whole", whole)
	h.key("j")
	h.scr.waitFor(t, "the cursor on the next row, the failed one cut again", func(v string) bool {
		for _, l := range strings.Split(v, "\n") {
			if strings.Contains(l, "▶") && !strings.Contains(l, "failed") && !whole(v) {
				return true
			}
		}
		return false
	})
	h.key("k")
	h.scr.waitFor(t, "the failed row whole again", whole)
	h.quit(t)
}
