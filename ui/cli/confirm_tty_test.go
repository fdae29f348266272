package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sqc/api"
)

// patience is how long a test waits for a terminal to show a state before
// it fails: long, as it costs nothing when the state comes, and the suite
// runs on two busy cores.
const patience = 45 * time.Second

// ttyRun is the real binary run by a shell in a tmux pane of 80x24.
type ttyRun struct {
	t      *testing.T
	sock   string
	status string
	modes  string // stty -a after sqc left
}

func startTTY(t *testing.T, bin, env, cmdline string) *ttyRun {
	t.Helper()
	dir := t.TempDir()
	r := &ttyRun{t: t, sock: filepath.Join(dir, "tmux.sock"), status: filepath.Join(dir, "status")}
	// The shell outlives a ctrl+c sent to sqc, to write down its status.
	script := "trap true INT; " + env + " " + bin + " " + cmdline + "; echo \"exit=$?\" > " + r.status + ".tmp; stty -a >> " + r.status + ".tmp; mv " + r.status + ".tmp " + r.status + "; sleep 30"
	if out, err := exec.Command("tmux", "-S", r.sock, "new-session", "-d", "-x", "80", "-y", "24", "sh", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	t.Cleanup(func() { r.tmux("kill-server") })
	return r
}

func (r *ttyRun) tmux(args ...string) string {
	out, _ := exec.Command("tmux", append([]string{"-S", r.sock}, args...)...).CombinedOutput()
	return string(out)
}

func (r *ttyRun) waitPane(what string) string {
	r.t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		if p := r.tmux("capture-pane", "-p"); strings.Contains(p, what) {
			return p
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.t.Fatalf("pane never showed %q:\n%s", what, r.tmux("capture-pane", "-p"))
	return ""
}

func (r *ttyRun) exit() string {
	r.t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(r.status); err == nil {
			st, modes, _ := strings.Cut(string(b), "\n")
			r.modes = modes
			return strings.TrimSpace(st)
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatalf("no exit status:\n%s", r.tmux("capture-pane", "-p"))
	return ""
}

// In a real terminal: config set asks, enter and ctrl+c are No and send
// nothing, y sends; device add asks for the setup password without
// echoing it, and ctrl+c there leaves the terminal as it was.
func TestWritesAtARealTerminal(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (apt-get install tmux): skipping the terminal test")
	}
	s, srv := setup(t)
	bin := filepath.Join(t.TempDir(), "sqc")
	if out, err := exec.Command("go", "build", "-o", bin, "../..").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	env := "SENQUIP_API_KEY=" + testKey + " SENQUIP_API_URL=" + srv.URL + " XDG_STATE_HOME=" + t.TempDir() + " XDG_CONFIG_HOME=" + t.TempDir()
	id := hostedIDs(t, s, 1)[0]

	r := startTTY(t, bin, env, "config set "+id+" ambient.warning=46")
	r.waitPane("Send this config update to " + id + "? [y/N]")
	r.tmux("send-keys", "Enter")
	if st := r.exit(); st != "exit=1" || len(writes(s)) != 0 {
		t.Fatalf("enter: %s, %d writes", st, len(writes(s)))
	}

	r = startTTY(t, bin, env, "config set "+id+" ambient.warning=46")
	r.waitPane("[y/N]")
	r.tmux("send-keys", "C-c")
	if st := r.exit(); st != "exit=1" || len(writes(s)) != 0 {
		t.Fatalf("ctrl+c: %s, %d writes", st, len(writes(s)))
	}

	r = startTTY(t, bin, env, "config set "+id+" ambient.warning=46")
	r.waitPane("[y/N]")
	r.tmux("send-keys", "y", "Enter")
	if st := r.exit(); st != "exit=0" || len(writes(s)) != 1 {
		t.Fatalf("y: %s, %d writes:\n%s", st, len(writes(s)), r.tmux("capture-pane", "-p"))
	}

	dev, pw := claimable(t, s, true)
	r = startTTY(t, bin, env, "device add "+dev+" --setup-password-stdin")
	r.waitPane("[y/N]")
	r.tmux("send-keys", "y", "Enter")
	r.waitPane("(input hidden)")
	r.tmux("send-keys", "abc", "C-c")
	if st := r.exit(); st != "exit=1" || !strings.Contains(r.modes, " echo ") || !strings.Contains(r.modes, " icanon ") {
		t.Fatalf("ctrl+c at the password: %s, terminal left as:\n%s", st, r.modes)
	}
	if _, ok := inAccount(s, dev); ok || len(writes(s)) != 2 {
		t.Fatalf("added after ctrl+c, or %d writes", len(writes(s)))
	}

	r = startTTY(t, bin, env, "device add "+dev+" --setup-password-stdin")
	r.waitPane("Add " + dev + " to the account? [y/N]")
	r.tmux("send-keys", "y", "Enter")
	r.waitPane("(input hidden)")
	r.tmux("send-keys", pw, "Enter")
	if st := r.exit(); st != "exit=0" {
		t.Fatalf("device add: %s\n%s", st, r.tmux("capture-pane", "-p"))
	}
	if p := r.tmux("capture-pane", "-p"); strings.Contains(p, pw) || !strings.Contains(p, "added to the account") {
		t.Fatalf("the password echoed, or the device not added:\n%s", p)
	}
	if _, ok := inAccount(s, dev); !ok {
		t.Fatal("not in the account")
	}
	if w := writes(s); len(w) != 4 || w[3].Op != api.OpAddUser {
		t.Fatalf("%d writes", len(w))
	}
}
