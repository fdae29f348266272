package live

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// The engine knows who is on it and what each has open: the team lists
// every view by name, role and focused device, tells the others when one
// changes what it has open, and drops a view when it closes, leaving no
// goroutine of its behind.
func TestTheTeamListsWhoIsOnTheEngine(t *testing.T) {
	r := newRig(t, 20, nil)
	alice := r.e.SubscribeWith(ViewOptions{Name: "alice@laptop"})
	r.firstPass()
	devs := r.sim.Devices()
	alice.SetFocus(devs[2].DeviceID)
	alice.Show(devs[2].DeviceID, "config")
	alice.Take()
	base := ownGoroutines()

	r.clock.add(time.Minute)
	joined := r.clock.Now()
	bob := r.e.SubscribeWith(ViewOptions{Name: "bob@desk", ReadOnly: true})
	if !alice.Take().Team {
		t.Fatal("alice was not told bob joined")
	}
	bob.SetFocus(devs[5].DeviceID)
	bob.Show(devs[5].DeviceID, "readings")
	if !alice.Take().Team {
		t.Fatal("alice was not told what bob opened")
	}
	bob.Show(devs[5].DeviceID, "readings")
	if alice.Take().Team {
		t.Fatal("alice was told of a change that changed nothing")
	}
	team := r.e.Team()
	if len(team) != 2 {
		t.Fatalf("team %+v, want alice and bob", team)
	}
	a, b := team[0], team[1]
	if a.Name != "alice@laptop" || a.ReadOnly || a.Device != devs[2].DeviceID || a.Pane != "config" || !a.Since.Equal(start) {
		t.Errorf("alice is seen as %+v", a)
	}
	if b.Name != "bob@desk" || !b.ReadOnly || b.Device != devs[5].DeviceID || b.Pane != "readings" || !b.Since.Equal(joined) {
		t.Errorf("bob is seen as %+v", b)
	}

	bob.Close()
	if !alice.Take().Team {
		t.Fatal("alice was not told bob left")
	}
	if team := r.e.Team(); len(team) != 1 || team[0].Name != "alice@laptop" {
		t.Fatalf("after bob left the team is %+v", team)
	}
	bob.Show("X", "quota") // a closed view tells nothing
	if alice.Take().Team {
		t.Fatal("a closed view's Show reached the team")
	}
	r.pass()
	deadline := time.Now().Add(10 * time.Second)
	for ownGoroutines() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after bob left, %d before he came:\n%s", ownGoroutines(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}

// ownGoroutines counts the goroutines but the HTTP connections between
// the engine's client and the simulator: the engine opens one more when
// reads overlap and keeps it for the next, whoever is looking.
func ownGoroutines() int {
	buf := make([]byte, 1<<20)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if !strings.Contains(g, "created by net/http.") {
			n++
		}
	}
	return n
}
