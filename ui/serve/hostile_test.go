package serve

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"sqc/state"
)

func TestOddTerminalsAndAPastedMegabyteDoNotDisturbTheOthers(t *testing.T) {
	r := newRig(t, team, nil)
	tiny := r.open("alice", 1, 1)
	unsized := r.open("alice", 0, 0) // a pty request with no size
	paster := r.open("bob", 100, 30)
	paster.scr.waitFor(t, "the paster's list", listedRe.MatchString)
	paster.keys("/")
	paster.keys("\x1b[200~" + strings.Repeat("x", 1<<20) + "\x1b[201~")
	other := r.open("bob", 100, 30)
	other.scr.waitFor(t, "another console's list beside them", listedRe.MatchString)
	eventually(t, "four sessions", func() bool { return r.srv.Sessions() == 4 })
	// each odd one is alive: given a size, it draws
	for _, tm := range []*term{tiny, unsized} {
		tm.scr.resize(100, 30)
		if err := tm.sess.WindowChange(30, 100); err != nil {
			t.Fatal(err)
		}
		tm.scr.waitFor(t, "the list once sized", listedRe.MatchString)
	}
	paster.keys("\x1b")
	paster.keys("?")
	paster.scr.waitText(t, "Keys")
}

func TestTwoSessionsOnOneDeviceCostOneReadPerFocusInterval(t *testing.T) {
	r := newRig(t, team, nil)
	d := r.liveDevice()
	a := r.open("alice", 120, 40)
	b := r.open("bob", 120, 40)
	for _, tm := range []*term{a, b} {
		// the filter's enter ends the filter: no read asked, the cursor's
		// device is the session's focus
		tm.openOn(d.DeviceID, "")
		tm.scr.waitFor(t, "the device open", func(s string) bool { return strings.Contains(s, "│ "+d.DeviceID+"  ") && deviceOpen(s) })
	}
	since := time.Now()
	var reads []time.Time
	// the device reports every half minute or so: two scheduled reads
	deadline := time.Now().Add(2 * time.Minute)
	for len(reads) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d reads of the focused device in 2 minutes: %v", len(reads), reads)
		}
		time.Sleep(100 * time.Millisecond)
		reads = nil
		for _, at := range r.readsOf(d.DeviceID) {
			if at.After(since) {
				reads = append(reads, at)
			}
		}
	}
	t.Logf("reads of the focused device after both focus it: %v", reads)
	// two consoles of their own would read it twice an interval; the
	// engine they share reads it once
	for i := 1; i < len(reads); i++ {
		if gap := reads[i].Sub(reads[i-1]); gap < state.FocusEvery/2 {
			t.Fatalf("reads %v apart (the focus interval is %v): the two sessions' focus was not merged; reads %v", gap, state.FocusEvery, reads)
		}
	}
}

// TestKillingTheSSHClientMidDialogSendsNothing runs OpenSSH in tmux (a
// real terminal, so the console draws) and kills it at the confirm.
func TestKillingTheSSHClientMidDialogSendsNothing(t *testing.T) {
	ssh := openssh(t)
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("no tmux on this machine: install tmux to run this test (CI does)")
	}
	r := newRig(t, team, nil)
	d := r.liveDevice()
	watcher := r.open("bob", 100, 30)
	watcher.scr.waitFor(t, "the watcher's list", listedRe.MatchString)
	sock := fmt.Sprintf("sqc-serve-test-%d", time.Now().UnixNano())
	run := func(args ...string) string {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		out, err := exec.CommandContext(ctx, tmux, append([]string{"-L", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	cmd := ssh + " -tt " + strings.Join(r.sshArgs("alice"), " ")
	run("new-session", "-d", "-s", "w", "-x", "120", "-y", "40", cmd)
	t.Cleanup(func() { _ = exec.Command(tmux, "-L", sock, "kill-server").Run() })
	screen := func() string { return run("capture-pane", "-p", "-t", "w") }
	waitScreen := func(what string, cond func(string) bool) {
		t.Helper()
		deadline := time.Now().Add(patience)
		for !cond(screen()) {
			if time.Now().After(deadline) {
				t.Fatalf("never showed %s:\n%s", what, screen())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	keys := func(k ...string) { run(append([]string{"send-keys", "-t", "w"}, k...)...) }
	waitScreen("the list", listedRe.MatchString)
	keys("/")
	keys("-l", d.DeviceID)
	keys("Enter")
	keys("c")
	waitScreen("the config", func(s string) bool { return strings.Contains(s, "synced") && strings.Contains(s, "ambient.warning") })
	keys("/")
	keys("-l", "ambient.warning")
	keys("Enter", "Enter", "C-u")
	keys("-l", "47")
	keys("Enter")
	waitScreen("the change", func(s string) bool { return strings.Contains(s, "→ 47") })
	keys("w")
	waitScreen("the confirm", func(s string) bool { return strings.Contains(s, "PATCH ") })
	pid := strings.TrimSpace(run("display-message", "-p", "-t", "w", "#{pane_pid}"))
	if err := exec.Command("kill", "-9", pid).Run(); err != nil {
		t.Fatalf("kill ssh (%s): %v", pid, err)
	}
	eventually(t, "alice's session gone, bob's left", func() bool { return r.srv.Sessions() == 1 })
	n := len(r.sim.Requests())
	watcher.keys("r") // the engine reads on for the watcher
	eventually(t, "a read after the kill", func() bool { return len(r.sim.Requests()) > n })
	if w := r.writes(); len(w) != 0 {
		t.Fatalf("the write was sent after its ssh client was killed at the confirm: %+v", w)
	}
}
