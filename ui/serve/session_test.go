package serve

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
)

var listedRe = regexp.MustCompile(`Devices [1-9]`)

// liveDevice is a device that reports often.
func (r *rig) liveDevice() api.Device {
	for _, d := range r.sim.Devices() {
		if d.Plan == api.PlanHosted && !d.Seen().IsZero() && time.Since(d.Seen()) < 10*time.Minute {
			return d
		}
	}
	r.t.Fatal("no live device")
	return api.Device{}
}

func (r *rig) writes() []sim.Request {
	var out []sim.Request
	for _, q := range r.sim.Requests() {
		if q.Method != "GET" {
			out = append(out, q)
		}
	}
	return out
}

func (r *rig) readsOf(id string) []time.Time {
	var at []time.Time
	for _, q := range r.sim.Requests() {
		if q.Op == api.OpGetData && q.DeviceID == id {
			at = append(at, q.At)
		}
	}
	return at
}

// openOn filters the list to one device and presses a key on it.
func (tm *term) openOn(id, key string) {
	tm.t.Helper()
	tm.scr.waitFor(tm.t, "the device list", listedRe.MatchString)
	for _, k := range []string{"/", id, "\r", key} {
		tm.keys(k)
	}
}

func TestViewerConfigWriteSendsNothingAndSaysWhy(t *testing.T) {
	r := newRig(t, team, nil)
	d := r.liveDevice()
	v := r.open("bob", 120, 40)
	v.scr.waitText(t, "READ-ONLY")
	v.openOn(d.DeviceID, "c")
	v.scr.waitText(t, "ambient.warning")
	if s := v.scr.String(); strings.Contains(s, "enter edit") || strings.Contains(s, "w write") {
		t.Fatalf("a viewer's footer offers writes:\n%s", s)
	}
	for _, k := range []string{"\r", "w"} {
		v.keys(k)
		v.scr.waitText(t, "read-only session")
	}
	if w := r.writes(); len(w) != 0 {
		t.Fatalf("a viewer sent %d writes: %+v", len(w), w)
	}
	// the writer on the same engine may
	w := r.open("alice", 120, 40)
	w.openOn(d.DeviceID, "c")
	w.scr.waitText(t, "enter edit")
}

func TestQuitEndsOnlyThatSessionAndTheEngineRunsOn(t *testing.T) {
	r := newRig(t, team, nil)
	a := r.open("alice", 100, 30)
	b := r.open("bob", 100, 30)
	a.scr.waitFor(t, "the list", listedRe.MatchString)
	b.scr.waitFor(t, "the list", listedRe.MatchString)
	a.keys("Q")
	a.ended()
	eventually(t, "one session left", func() bool { return r.srv.Sessions() == 1 })
	n := len(r.sim.Requests())
	b.keys("r") // read the device now: the engine still reads for bob
	eventually(t, "a read after the other session quit", func() bool { return len(r.sim.Requests()) > n })
	b.keys("?")
	b.scr.waitText(t, "Keys")
}

func TestCtrlZSaysItCannotSuspendAndTheSessionGoesOn(t *testing.T) {
	r := newRig(t, team, nil)
	a := r.open("alice", 120, 30)
	a.scr.waitFor(t, "the list", listedRe.MatchString)
	a.keys("\x1a")
	a.scr.waitText(t, "ctrl+z does not suspend")
	a.keys("?")
	a.scr.waitText(t, "Keys")
	if r.srv.Sessions() != 1 {
		t.Fatalf("%d sessions after ctrl+z, want 1", r.srv.Sessions())
	}
}

func TestIdleSessionIsClosedAndTold(t *testing.T) {
	r := newRig(t, team, func(o *Options) { o.IdleTimeout = 300 * time.Millisecond })
	a := r.open("alice", 100, 30)
	a.ended()
	a.scr.waitText(t, "so this session is closed; ssh again")
	eventually(t, "no session", func() bool { return r.srv.Sessions() == 0 })
}

func TestUnknownKeyIsRefusedByOpenSSH(t *testing.T) {
	ssh := openssh(t)
	r := newRig(t, team, nil)
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	out, err := exec.CommandContext(ctx, ssh, r.sshArgs("eve", "-tt")...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "Permission denied (publickey)") {
		t.Fatalf("eve's ssh: %v\n%s", err, out)
	}
	if r.srv.Sessions() != 0 {
		t.Fatal("an unknown key holds a session")
	}
}

func TestSessionWithoutTerminalIsToldToUseSSHT(t *testing.T) {
	ssh := openssh(t)
	r := newRig(t, team, nil)
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	out, err := exec.CommandContext(ctx, ssh, r.sshArgs("alice", "-T")...).CombinedOutput()
	if err == nil || strings.TrimSpace(string(out)) != "sqc serve runs a console and needs a terminal: connect with ssh -t" {
		t.Fatalf("ssh -T: %v\n%q", err, out)
	}
}

// E in a served writer's config would run $EDITOR on the server, as the
// server's user (a shell away for anyone with a writer's key): it says
// the editor is for a local console, and runs nothing.
func TestServedEditorRunsNothingOnTheServerAndSaysWhy(t *testing.T) {
	ran := filepath.Join(t.TempDir(), "ran")
	editor := filepath.Join(t.TempDir(), "editor.sh")
	if err := os.WriteFile(editor, []byte("#!/bin/sh\ntouch '"+ran+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VISUAL", editor)
	r := newRig(t, team, nil)
	d := r.liveDevice()
	w := r.open("alice", 140, 40)
	w.openOn(d.DeviceID, "c")
	w.scr.waitText(t, "ambient.warning") // the config read
	if strings.Contains(w.scr.String(), "$EDITOR") {
		t.Fatalf("a served config offers the editor:\n%s", w.scr.String())
	}
	w.keys("E")
	w.scr.waitText(t, "opens only in a local console")
	w.keys("?")
	w.scr.waitText(t, "Keys") // the console goes on
	if strings.Contains(w.scr.String(), "$EDITOR") {
		t.Fatalf("a served console's help offers the editor:\n%s", w.scr.String())
	}
	if _, err := os.Stat(ran); err == nil {
		t.Fatal("the editor ran on the server")
	}
}
