package ui

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"sqc/api"
)

// From the device list, T writes the focused device's ticket into the
// exports folder and says where; H opens its history.
func TestTicketAndHistoryFromTheList(t *testing.T) {
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	h := start(t, setup{profile: colorprofile.Ascii})
	h.scr.waitText(t, "Devices 30")
	h.key("T")
	h.scr.waitText(t, "ticket written to ")
	files, _ := filepath.Glob(filepath.Join(data, "sqc", "exports", "sqc-ticket-*.md"))
	if len(files) != 1 {
		t.Fatalf("ticket files %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), "## Device") || strings.Contains(string(b), h.sim.Key()) {
		t.Fatalf("the ticket:\n%s", b)
	}
	h.key("H")
	h.scr.waitText(t, "History ")
	h.quit(t)
}

// copied are the texts sent to the terminal's clipboard (OSC 52), in order.
func copied(h *harness) []string {
	var out []string
	for _, part := range strings.Split(string(h.scr.written()), "\x1b]52;c;")[1:] {
		end := strings.IndexAny(part, "\a\x1b")
		if end < 0 {
			continue
		}
		if b, err := base64.StdEncoding.DecodeString(part[:end]); err == nil {
			out = append(out, string(b))
		}
	}
	return out
}

// After T from the list, the toast offers the ticket's path and the next
// y copies it (OSC 52) instead of the focused device's ID; once copied,
// y copies an ID again.
func TestYCopiesTheTicketPathAfterTFromTheList(t *testing.T) {
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	h := start(t, setup{profile: colorprofile.Ascii})
	h.scr.waitText(t, "Devices 30")
	h.key("T")
	h.scr.waitText(t, "y copies the path")
	files, _ := filepath.Glob(filepath.Join(data, "sqc", "exports", "sqc-ticket-*.md"))
	if len(files) != 1 {
		t.Fatalf("ticket files %v", files)
	}
	h.key("y")
	h.scr.waitFor(t, "the path copied", func(string) bool { return len(copied(h)) == 1 })
	if got := copied(h); got[0] != files[0] {
		t.Fatalf("y after T copied %q, want the ticket's path %q", got[0], files[0])
	}
	h.key("y")
	h.scr.waitFor(t, "an ID copied", func(string) bool { return len(copied(h)) == 2 })
	got := copied(h)[1]
	if !slices.ContainsFunc(h.sim.Devices(), func(d api.Device) bool { return d.DeviceID == got }) {
		t.Fatalf("the second y copied %q, not a device ID", got)
	}
	h.quit(t)
}

// With the mouse on, a click in the history's chart moves its cursor to
// the time under the pointer: at the plot's left edge, the range's start.
func TestClickInTheHistoryChartMovesItsCursor(t *testing.T) {
	h := start(t, setup{profile: colorprofile.Ascii})
	h.scr.waitText(t, "Devices 30")
	h.key("M")
	h.key("H")
	var axisY, left, width int
	var from time.Time
	h.scr.waitFor(t, "the chart", func(s string) bool {
		from, axisY = time.Time{}, -1
		for y, l := range strings.Split(s, "\n") {
			if i := strings.Index(l, " · 24h · "); i >= 0 && strings.Contains(l, "History ") {
				f, _, _ := strings.Cut(l[i+len(" · 24h · "):], "..")
				from, _ = time.ParseInLocation("2006-01-02 15:04", f, time.Local)
			}
			if i := strings.Index(l, "└─"); i >= 0 {
				axisY, left, width = y, len([]rune(l[:i]))+1, strings.Count(l, "─")
			}
		}
		return axisY > 0 && !from.IsZero()
	})
	h.tm.Send(tea.MouseClickMsg{X: left, Y: axisY - 1, Button: tea.MouseLeft})
	h.scr.waitFor(t, "the cursor at the range's start", func(s string) bool {
		i := strings.LastIndex(s, "▲ ") // the list's sort mark is one too
		if i < 0 {
			return false
		}
		at, err := time.ParseInLocation("2006-01-02 15:04:05", s[i+len("▲ "):][:19], time.Local)
		d := at.Sub(from)
		return err == nil && d >= 0 && d <= 24*time.Hour/time.Duration(width)+time.Minute
	})
	h.quit(t)
}

// While the history of the last 24 h is open, what the engine reads of
// the device joins it: the range's end, the cursor and the message under
// it move to the new message, with no fetch.
func TestHistoryTakesInWhatTheEngineReads(t *testing.T) {
	h := start(t, setup{profile: colorprofile.Ascii})
	h.scr.waitText(t, "Devices 30")
	h.key("H")
	stamp := regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`)
	values := func(s string) (cursor, msg time.Time) {
		lines := strings.Split(s, "\n")
		for i, l := range lines[:len(lines)-1] {
			_, right, _ := strings.Cut(l, "│") // the pane beside the list
			if !strings.Contains(right, "▲") || stamp.FindString(right) == "" {
				continue
			}
			cursor, _ = time.ParseInLocation("2006-01-02 15:04:05", stamp.FindString(right), time.Local)
			_, next, _ := strings.Cut(lines[i+1], "│ ")
			if len(next) > 8 && strings.HasPrefix(next[8:], " · ") {
				msg, _ = time.ParseInLocation("2006-01-02 15:04:05", cursor.Format("2006-01-02 ")+next[:8], time.Local)
			}
		}
		return
	}
	var c0, m0 time.Time
	h.scr.waitFor(t, "the history with a message at the cursor", func(s string) bool {
		c0, m0 = values(s)
		return !m0.IsZero() && strings.Contains(s, "fetched ")
	})
	h.clock.Advance(15 * time.Minute)
	h.key("r")
	h.scr.waitFor(t, "a newer message at the cursor", func(s string) bool {
		c, m := values(s)
		return c.After(c0) && m.After(m0)
	})
	h.quit(t)
}
