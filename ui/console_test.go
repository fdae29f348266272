package ui

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"sqc/api"
	"sqc/api/sim"
	"sqc/keys"
)

func idsIn(devices []api.Device, pred func(api.Device) bool) []string {
	var out []string
	for _, d := range devices {
		if pred(d) {
			out = append(out, d.DeviceID)
		}
	}
	return out
}

func TestListShowsFleetAndHeader(t *testing.T) {
	t.Parallel()
	h := start(t, setup{})
	devs := h.sim.Devices()
	h.scr.waitText(t, "30 devices")
	v := h.scr.String()
	for _, want := range []string{"profile acme", "● online", "key: env", "quota", "Devices 30", "State", "? help"} {
		if !strings.Contains(v, want) {
			t.Errorf("screen lacks %q:\n%s", want, v)
		}
	}
	// sorted by ID, an order the answers coming in do not change (by
	// state they do, and the cursor follows its device)
	h.key("s")
	h.scr.waitText(t, "sort ID")
	h.key("G")
	final := h.quit(t)
	last := slices.MaxFunc(devs, func(a, b api.Device) int { return strings.Compare(a.DeviceID, b.DeviceID) }).DeviceID
	if final.Cursor() != len(devs)-1 || final.FocusedID() != last {
		t.Fatalf("cursor %d on %s after G, want %d on %s", final.Cursor(), final.FocusedID(), len(devs)-1, last)
	}
}

func TestFilterLiveSyntaxErrorAndClear(t *testing.T) {
	t.Parallel()
	h := start(t, setup{})
	devs := h.sim.Devices()
	marine := idsIn(devs, func(d api.Device) bool { return d.GroupName == "Marine" })
	other := idsIn(devs, func(d api.Device) bool { return d.GroupName != "Marine" })
	if len(marine) == 0 || len(other) == 0 {
		t.Fatal("fleet without Marine devices")
	}
	h.scr.waitText(t, "Devices 30")
	h.key("/")
	h.key("group:marine")
	h.scr.waitFor(t, "only Marine devices", func(v string) bool {
		return strings.Contains(v, marine[0]) && !strings.Contains(v, other[0]) && strings.Contains(v, "group:marine")
	})
	h.key(" !")
	h.scr.waitText(t, "a lone ! negates nothing")
	if v := h.scr.String(); !strings.Contains(v, marine[0]) || strings.Contains(v, other[0]) {
		t.Fatalf("a bad expression changed the list:\n%s", v)
	}
	h.key("enter") // refused while the expression is wrong
	h.scr.waitText(t, "a lone ! negates nothing")
	h.key("backspace")
	h.key("backspace")
	h.key("enter")
	h.scr.waitText(t, "Devices "+strconv.Itoa(len(marine))+" of 30")
	h.key("esc")
	h.scr.waitFor(t, "the whole list again", func(v string) bool { return strings.Contains(v, "Devices 30 ·") && strings.Contains(v, other[0]) })
	h.key("/")
	h.key("!pump")
	h.scr.waitFor(t, "negation", func(v string) bool { return !strings.Contains(strings.ToLower(v), "pump 1 ") })
	h.key("enter")
	h.quit(t)
}

func TestSortByNameAndReverse(t *testing.T) {
	t.Parallel()
	h := start(t, setup{devices: 12})
	devs := h.sim.Devices()
	names := make([]string, len(devs))
	for i, d := range devs {
		names[i] = d.Name
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	h.scr.waitText(t, "sort State ▲")
	h.key("s") // State → ID
	h.key("s") // ID → Name
	h.scr.waitText(t, "sort Name ▲")
	h.scr.waitFor(t, "the alphabetically first name on the first row", func(v string) bool {
		return strings.Contains(strings.Split(v, "\n")[3], names[0])
	})
	h.key("S")
	h.scr.waitText(t, "sort Name ▼")
	h.scr.waitFor(t, "the last name first", func(v string) bool {
		return strings.Contains(strings.Split(v, "\n")[3], names[len(names)-1])
	})
	h.quit(t)
}

func TestOpenDeviceAndReadingsUpdate(t *testing.T) {
	t.Parallel()
	h := start(t, setup{hosted: 1, cfg: func(c *Config) {}})
	var dev api.Device
	for _, d := range h.sim.Devices() {
		if !d.Seen().IsZero() && h.clock.Now().Sub(d.Seen()) < 5*time.Minute && d.Model == "QUAD-C2" {
			dev = d
			break
		}
	}
	if dev.DeviceID == "" {
		t.Skip("no live QUAD-C2 in this fleet")
	}
	h.scr.waitText(t, "Devices 30")
	h.key("/")
	h.key(dev.DeviceID)
	h.key("enter")
	h.key("enter") // open
	h.scr.waitFor(t, "the readings", func(v string) bool {
		return strings.Contains(v, "Power") && strings.Contains(v, "vin") && strings.Contains(v, " V") && strings.Contains(v, "°C")
	})
	first := lineWith(h.scr.String(), "   vin ")
	h.key("tab")
	h.key("G") // the end of the readings: the CAN frames
	h.scr.waitFor(t, "the CAN frames", func(v string) bool { return strings.Contains(v, "frames") && strings.Contains(v, "pgn") })
	h.key("g")
	h.key("tab")
	h.clock.Advance(20 * time.Minute)
	h.key("r")
	h.scr.waitFor(t, "a new vin reading", func(v string) bool {
		l := lineWith(v, "   vin ")
		return l != "" && l != first
	})
	h.quit(t)
}

func lineWith(screen, s string) string {
	for _, l := range strings.Split(screen, "\n") {
		if i := strings.Index(l, s); i >= 0 {
			return l[i:]
		}
	}
	return ""
}

func TestQuotaMeterAfter429(t *testing.T) {
	t.Parallel()
	h := start(t, setup{})
	h.scr.waitText(t, "Devices 30")
	h.sim.Inject(sim.Fault{Status: 429, Message: "Too Many Requests", RetryAfter: "30", Count: 1})
	h.key("r")
	h.scr.waitText(t, "rate limited · retry in")
	h.key("u")
	h.scr.waitFor(t, "the quota meter with the 429", func(v string) bool {
		return strings.Contains(v, "429s seen       1 today") && strings.Contains(v, "used today") &&
			strings.Contains(v, "next reset") && strings.Contains(v, "assumed") && strings.Contains(v, "rate limit")
	})
	h.quit(t)
}

func TestOfflineKeepsDataAndShowsCountdown(t *testing.T) {
	t.Parallel()
	h := start(t, setup{})
	id := h.sim.Devices()[0].DeviceID
	h.scr.waitText(t, id)
	h.srv.CloseClientConnections()
	h.srv.Close()
	h.key("r")
	h.scr.waitFor(t, "the offline banner", func(v string) bool { return strings.Contains(v, "offline · retry in") })
	if !strings.Contains(h.scr.String(), id) {
		t.Fatalf("the list went away when the network did:\n%s", h.scr.String())
	}
	h.quit(t)
}

func TestOfflineStartShowsTheCache(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := start(t, setup{cfg: func(c *Config) { c.StateDir = dir }})
	id := h.sim.Devices()[0].DeviceID
	h.scr.waitText(t, id)
	h.scr.waitFor(t, "the cache written", func(string) bool {
		files, _ := filepath.Glob(filepath.Join(dir, "cache-*.json"))
		return len(files) == 1
	})
	h.quit(t)

	// A second console, no network: the cached list, marked with its age.
	h2 := start(t, setup{cfg: func(c *Config) {
		c.StateDir = dir
		c.Connect = func(key string, hook func(*api.Options)) (*api.Client, error) {
			o := api.Options{BaseURL: "http://127.0.0.1:1", Key: key}
			hook(&o)
			return api.New(o)
		}
	}})
	h2.scr.waitFor(t, "cached devices", func(v string) bool {
		return strings.Contains(v, id) && strings.Contains(v, "cached,") && strings.Contains(v, "offline")
	})
	h2.quit(t)
	if u, err := keptIn(t, dir).Usage(context.Background(), keys.Fingerprint(uiKey), time.Now()); err != nil || u.Used == 0 {
		t.Errorf("the quota ledger in the database: %+v %v", u, err)
	}
}

func TestUnknownDeviceFlagSaysSo(t *testing.T) {
	t.Parallel()
	h := start(t, setup{cfg: func(c *Config) { c.Device = "ZZZZZZZZ9" }})
	h.scr.waitText(t, "device ZZZZZZZZ9 is not in this account")
	h.quit(t)
}

func TestDeviceFlagOpensThatDevice(t *testing.T) {
	t.Parallel()
	var want string
	h := start(t, setup{w: 80, h: 24, cfg: func(c *Config) {}})
	want = h.sim.Devices()[7].DeviceID
	h.quit(t)
	h = start(t, setup{w: 80, h: 24, cfg: func(c *Config) { c.Device = want }})
	h.scr.waitFor(t, "the device's readings", func(v string) bool { return strings.Contains(strings.Split(v, "\n")[1], want) })
	final := h.quit(t)
	if final.FocusedID() != want {
		t.Fatalf("focused %q, want %q", final.FocusedID(), want)
	}
}

func TestGarbageForOneDeviceStaysWithIt(t *testing.T) {
	t.Parallel()
	h := start(t, setup{hosted: 1})
	devs := h.sim.Devices()
	bad, good := devs[0].DeviceID, devs[1].DeviceID
	h.sim.Break(bad, true)
	h.scr.waitText(t, bad)
	h.key("/")
	h.key(bad)
	h.key("enter")
	h.key("enter")
	h.scr.waitText(t, "last read failed")
	h.scr.waitText(t, "malformed")
	if strings.Contains(h.scr.String(), "backing off") || strings.Contains(h.scr.String(), "offline ·") {
		t.Fatal("one device's garbage held the whole console back")
	}
	h.key("esc")
	h.key("/")
	h.key(good)
	h.key("enter")
	h.key("enter")
	h.scr.waitFor(t, "the good device's readings", func(v string) bool {
		return strings.Contains(v, good) && strings.Contains(v, "Power") && !strings.Contains(v, "last read failed")
	})
	h.quit(t)
}

func TestResizeToTinyAndBack(t *testing.T) {
	t.Parallel()
	h := start(t, setup{w: 80, h: 24})
	id := h.sim.Devices()[0].DeviceID
	h.scr.waitText(t, id)
	for _, size := range [][2]int{{20, 4}, {1, 1}, {0, 0}, {59, 30}} {
		h.scr.resize(max(size[0], 1), max(size[1], 1))
		h.tm.Send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
	}
	h.scr.waitText(t, "too small")
	h.scr.resize(80, 24)
	h.tm.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.scr.waitFor(t, "the list again", func(v string) bool { return strings.Contains(v, id) && !strings.Contains(v, "too small") })
	h.quit(t)
}

func TestHelpIsGeneratedAndFilters(t *testing.T) {
	t.Parallel()
	h := start(t, setup{})
	h.scr.waitText(t, "Devices 30")
	h.key("?")
	h.scr.waitFor(t, "help", func(v string) bool {
		return strings.Contains(v, "Keys") && strings.Contains(v, "reverse sort") && strings.Contains(v, "other pane")
	})
	h.key("/")
	h.key("quota")
	h.scr.waitFor(t, "only the quota key", func(v string) bool {
		return strings.Contains(v, "u        quota") && !strings.Contains(v, "reverse sort")
	})
	h.key("esc")
	h.key("esc")
	h.scr.waitFor(t, "help closed", func(v string) bool { return !strings.Contains(v, "Keys") && strings.Contains(v, "Devices 30") })
	h.quit(t)
}

func TestMarkCopyAndExport(t *testing.T) {
	t.Chdir(t.TempDir())
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	h := start(t, setup{profile: colorprofile.Ascii})
	first := h.sim.Devices()
	h.scr.waitText(t, "Devices 30")
	h.key("k")
	h.key("y")
	h.scr.waitText(t, "sent to the terminal's clipboard (OSC 52)")
	h.key("e")
	h.scr.waitText(t, "export to ›")
	h.key("enter")
	h.scr.waitText(t, "exported 30 devices to ")
	files, _ := filepath.Glob(filepath.Join(data, "sqc", "exports", "sqc-devices-*.csv"))
	if len(files) != 1 {
		t.Fatalf("export files %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if lines := strings.Count(string(b), "\n"); lines != 31 || !strings.Contains(string(b), first[0].DeviceID) {
		t.Fatalf("csv has %d lines:\n%s", lines, b)
	}
	// With marks, only the marked rows are exported.
	h.key("space")
	h.key("space")
	h.scr.waitText(t, "2 marked")
	h.key("e")
	h.scr.waitText(t, "Export the 2 marked devices")
	h.key("ctrl+u")
	h.key("marked.json")
	h.key("enter")
	h.scr.waitText(t, "(in the current folder)")
	b, _ = os.ReadFile("marked.json")
	var rows []map[string]any
	if err := json.Unmarshal(b, &rows); err != nil || len(rows) != 2 {
		t.Fatalf("marked export %v: %s", err, b)
	}
	h.key("esc")
	h.scr.waitText(t, "Clear 2 marks? [y/N]")
	h.key("y")
	h.scr.waitFor(t, "no marks", func(v string) bool { return !strings.Contains(v, "2 marked") })
	h.quit(t)
}

// Until the user moves, the cursor stays on the first row while answers
// reorder the list: the worst device is what the console shows.
func TestCursorStaysOnTopUntilTheUserMoves(t *testing.T) {
	t.Parallel()
	h := start(t, setup{hosted: 1})
	h.scr.waitText(t, "Devices 30")
	// every device read once: after the user moves, the cursor follows its
	// device, and a device read later could move it
	h.scr.waitFor(t, "states read", func(v string) bool { return strings.Contains(v, " ok ") && !strings.Contains(v, "· reading ") })
	h.scr.waitFor(t, "the cursor on the first row", func(v string) bool {
		lines := strings.Split(v, "\n")
		return strings.HasPrefix(lines[3], "▶")
	})
	h.key("j")
	h.key("k")
	h.key("j")
	final := h.quit(t)
	if final.Cursor() != 1 {
		t.Fatalf("cursor %d after j k j, want 1", final.Cursor())
	}
}

func TestQuotaAndLogTakeTheScreenWhenNarrow(t *testing.T) {
	t.Parallel()
	h := start(t, setup{w: 80, h: 24})
	h.scr.waitText(t, "Devices 30")
	h.key("u")
	h.scr.waitText(t, "used today")
	h.key("L")
	h.scr.waitText(t, "API calls")
	h.key("L")
	h.scr.waitFor(t, "the list again", func(v string) bool { return strings.Contains(v, "Devices 30") })
	h.quit(t)
}

// A click picks the row under the pointer (it used to pick the one below).
func TestMouseClickPicksTheRowClicked(t *testing.T) {
	t.Parallel()
	h := start(t, setup{hosted: 1})
	h.scr.waitText(t, "Devices 30")
	h.key("s") // by ID: rows stay where they are as answers arrive
	h.scr.waitText(t, "sort ID")
	h.key("M")
	var row int
	var id string
	h.scr.waitFor(t, "a device on the fifth row", func(v string) bool {
		lines := strings.Split(v, "\n")
		for y := 3; y < len(lines); y++ {
			if y == 7 {
				if f := strings.Fields(lines[y]); len(f) > 0 {
					id, row = f[0], y
					return true
				}
			}
		}
		return false
	})
	h.tm.Send(tea.MouseClickMsg{X: 4, Y: row, Button: tea.MouseLeft})
	h.scr.waitFor(t, "the cursor on the clicked row", func(v string) bool {
		return strings.HasPrefix(strings.Split(v, "\n")[row], "▶")
	})
	final := h.quit(t)
	if final.FocusedID() != id {
		t.Fatalf("clicked row %d (%s), cursor %d on %s", row, id, final.Cursor(), final.FocusedID())
	}
}

// The device the readings show is the one read every few seconds, also
// while the cursor sits on the first row and answers reorder the list
// under it.
func TestTheDeviceShownIsTheOneRead(t *testing.T) {
	t.Parallel()
	h := start(t, setup{hosted: 1})
	h.scr.waitText(t, "Devices 30")
	h.scr.waitFor(t, "the first pass done", func(v string) bool { return !strings.Contains(header(v), "reading ") })
	time.Sleep(300 * time.Millisecond)
	top := strings.Fields(strings.Split(h.scr.String(), "\n")[3])[1] // "▶ ID ..."
	since := h.clock.Now()
	h.scr.waitFor(t, "the shown device read again", func(string) bool {
		for _, r := range h.sim.Requests() {
			if r.Op == api.OpGetData && r.DeviceID == top && r.At.After(since) {
				return true
			}
		}
		h.clock.Advance(time.Second)
		return false
	})
	final := h.quit(t)
	if final.FocusedID() != top {
		t.Fatalf("the readings show %s, the scheduler's focus is %s", top, final.FocusedID())
	}
}
