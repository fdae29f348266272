package ui

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"sqc/api"
	"sqc/api/sim"
)

// hostileConsole runs the console against one scenario of the hostile
// server at 80x24.
func hostileConsole(t *testing.T, scenario string) (*teatest.TestModel, *screen) {
	t.Helper()
	tm, scr, _ := hostileConsoleOn(t, scenario)
	return tm, scr
}

// hostileConsoleOn is hostileConsole that also gives the server, for its
// request log.
func hostileConsoleOn(t *testing.T, scenario string) (*teatest.TestModel, *screen, *sim.Hostile) {
	t.Helper()
	h, err := sim.NewHostile(scenario, uiKey)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := Config{Profile: "acme", Key: uiKey, KeySource: "env",
		Connect: connectTo(srv.URL, func(o *api.Options) { o.Timeout = 3 * time.Second })}
	tm := teatest.NewTestModel(t, New(context.Background(), cfg), teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	return tm, newScreen(t, tm, 80, 24), h
}

// What the hostile server's strings carry, as they would reach the
// terminal if anything passed them on.
var hostileMarks = []string{"c3FjIHB3bmVk", "pwned", "evil.example", "\u009b", "\u202e", "\x1b[1;31m", "\x1bP+q"}

// A server cannot drive the terminal through anything it sends, nor
// freeze the console: for every scenario the screen shows the fleet (or
// says what is wrong), no escape of the server's reaches the output, and
// q quits.
func TestHostileServerCannotTakeOverTheConsole(t *testing.T) {
	t.Parallel()
	for _, sc := range []string{sim.HostileEscapes, sim.HostileLong, sim.HostileEndless, sim.HostileRepeat,
		sim.HostileNoNew, sim.HostileDuplicates, sim.HostileAbsurd, sim.HostileStream, sim.HostileHuge, sim.HostileSick,
		sim.HostileDrip, sim.HostileOversized} {
		t.Run(sc, func(t *testing.T) {
			tm, scr := hostileConsole(t, sc)
			scr.waitFor(t, "the fleet or a word about it", func(v string) bool {
				return strings.Contains(v, "Devices ") || strings.Contains(v, "Could not list")
			})
			if sc == sim.HostileEscapes { // "Devices 0" shows before the list comes
				scr.waitText(t, "click")
			}
			for _, k := range []tea.KeyPressMsg{{Code: tea.KeyEnter}, {Code: 'j', Text: "j"}, {Code: tea.KeyEnter}, {Code: 'c', Text: "c"}} {
				tm.Send(k)
				time.Sleep(150 * time.Millisecond)
			}
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
			time.Sleep(300 * time.Millisecond)
			out := scr.written()
			for _, mark := range hostileMarks {
				if bytes.Contains(out, []byte(mark)) {
					t.Errorf("the server's %q reached the terminal", mark)
				}
			}
			if v := scr.String(); sc == sim.HostileEscapes && !strings.Contains(v, "click") {
				t.Errorf("the hostile strings were not shown at all (their text, cleaned, should be):\n%s", v)
			}
			if v := scr.String(); strings.Contains(v, "-9223372036854775808") {
				t.Errorf("an absurd number shown as an overflow:\n%s", v)
			}
			for range 3 { // back from whatever is open, then quit from the list
				tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
			}
			tm.WaitFinished(t, teatest.WithFinalTimeout(patience))
		})
	}
}

// The console's device list obeys the listing budget of sqc devices: a
// server paging 20 new devices at a time for ever gets 50 requests (5% of
// the smallest account's day), the devices listed are shown, a toast
// says why the list stopped, and R lists again once, not twice.
func TestConsoleListingStopsAtItsBudget(t *testing.T) {
	tm, scr, h := hostileConsoleOn(t, sim.HostileDrip)
	scr.waitText(t, "stopped early")
	scr.waitText(t, "Devices 1000") // every device of the 50 pages; which rows show depends on what was read
	scr.waitText(t, "D000000")
	lists := 0
	for _, q := range h.Log() {
		if q.Op == api.OpListDevices {
			lists++
		}
	}
	if lists != 50 {
		t.Errorf("the server got %d list requests, want 50", lists)
	}
	// After a stopped listing R lists once more, then says no until the
	// list is due again: each listing may cost 50 requests.
	listRequests := func() int {
		n := 0
		for _, q := range h.Log() {
			if q.Op == api.OpListDevices {
				n++
			}
		}
		return n
	}
	tm.Send(tea.KeyPressMsg{Code: 'R', Text: "R"})
	scr.waitFor(t, "a second listing of 50 requests", func(string) bool { return listRequests() == 100 })
	tm.Send(tea.KeyPressMsg{Code: 'u', Text: "u"}) // the quota meter says why its limits are low
	scr.waitText(t, "The device list is incomplete")
	scr.waitText(t, "refused until then")
	tm.Send(tea.KeyPressMsg{Code: 'R', Text: "R"})
	scr.waitText(t, "not listed")
	if n := listRequests(); n != 100 {
		t.Errorf("the server got %d list requests after a refused R, want 100", n)
	}
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
