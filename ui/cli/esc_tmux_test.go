package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nestedTmux is the console as a user over SSH runs it: sqc in a tmux
// session, whose client runs in the pane of another tmux. Keys sent to
// the outer pane reach the inner client as a terminal's bytes, and the
// inner tmux decodes them with its escape-time, 500 ms as shipped: esc
// and a key sent together arrive at sqc as one alt+key.
type nestedTmux struct {
	t            *testing.T
	inner, outer string // sockets
	status       string
}

func startNested(t *testing.T, bin string) *nestedTmux {
	t.Helper()
	dir := t.TempDir()
	n := &nestedTmux{t: t, inner: filepath.Join(dir, "inner.sock"), outer: filepath.Join(dir, "outer.sock"), status: filepath.Join(dir, "status")}
	env := "HOME=" + dir + " XDG_STATE_HOME=" + filepath.Join(dir, "state") + " XDG_CONFIG_HOME=" + filepath.Join(dir, "config") +
		" XDG_CACHE_HOME=" + filepath.Join(dir, "cache") + " XDG_DATA_HOME=" + filepath.Join(dir, "data")
	script := env + " " + bin + " --demo; echo \"exit=$?\" > " + n.status + "; sleep 30"
	run := func(sock string, args ...string) {
		if out, err := exec.Command("tmux", append([]string{"-S", sock, "-f", "/dev/null"}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("tmux %v: %v %s", args, err, out)
		}
	}
	run(n.inner, "new-session", "-d", "-x", "80", "-y", "24", "sh", "-c", script, ";",
		"set", "-g", "status", "off", ";", "set", "-sg", "escape-time", "500")
	t.Cleanup(func() { n.tmux(n.inner, "kill-server") })
	run(n.outer, "new-session", "-d", "-x", "80", "-y", "24", "env", "-u", "TMUX", "tmux", "-S", n.inner, "attach", ";",
		"set", "-g", "status", "off")
	t.Cleanup(func() { n.tmux(n.outer, "kill-server") })
	return n
}

func (n *nestedTmux) tmux(sock string, args ...string) string {
	out, _ := exec.Command("tmux", append([]string{"-S", sock}, args...)...).CombinedOutput()
	return string(out)
}

// send types keys into the outer pane, all in one send-keys: they reach
// the inner tmux together, well within its escape time.
func (n *nestedTmux) send(keys ...string) { n.tmux(n.outer, append([]string{"send-keys"}, keys...)...) }

func (n *nestedTmux) screen() string { return n.tmux(n.inner, "capture-pane", "-p") }

func (n *nestedTmux) wait(what string, cond func(string) bool) {
	n.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if cond(n.screen()) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	n.t.Fatalf("the pane never showed %s:\n%s", what, n.screen())
}

func footer(p string) string {
	lines := strings.Split(strings.TrimRight(p, "\n"), "\n")
	return strings.TrimRight(lines[len(lines)-1], " ")
}

// secondRowFocused: the ▶ is on the list's second row (80x24: the header,
// the list's title and its column heads are above).
func secondRowFocused(p string) bool {
	lines := strings.Split(p, "\n")
	return len(lines) > 4 && strings.HasPrefix(lines[4], "▶")
}

// Esc then a key, typed together in nested tmux at tmux's own escape time:
// esc j from the readings and from the help goes back and moves down; esc /
// in the filter clears it and starts a new one, no slash typed; esc enter
// in the filter clears it and opens the device; esc ctrl+c quits from a
// question, with status 0.
func TestEscThenAKeyThroughTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (apt-get install tmux): skipping the terminal test")
	}
	bin := filepath.Join(t.TempDir(), "sqc")
	if out, err := exec.Command("go", "build", "-o", bin, "../..").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	n := startNested(t, bin)
	if got := strings.TrimSpace(n.tmux(n.inner, "show", "-sv", "escape-time")); got != "500" {
		t.Fatalf("the inner tmux's escape-time is %q", got)
	}
	n.wait("the console", func(p string) bool { return strings.Contains(p, "60 devices") && strings.Contains(p, "key: demo") })
	n.send("s", "g") // by ID: rows stay where they are as answers arrive

	n.send("Enter")
	n.wait("the readings", func(p string) bool { return strings.HasSuffix(footer(p), "q back") })
	n.send("Escape", "j")
	n.wait("the list, the cursor on the second row", func(p string) bool {
		return strings.HasSuffix(footer(p), "q quit") && secondRowFocused(p)
	})

	n.send("?")
	n.wait("the help", func(p string) bool { return strings.Contains(p, "Keys · lines 1-") })
	n.send("Escape", "k")
	n.wait("the help closed, the cursor on the first row", func(p string) bool {
		return !strings.Contains(p, "Keys · lines") && !secondRowFocused(p) && strings.HasSuffix(footer(p), "q quit")
	})

	n.send("/", "zzz")
	n.wait("the filter", func(p string) bool { return strings.Contains(p, "filter › zzz") })
	n.send("Escape", "/")
	n.wait("a new, empty filter", func(p string) bool {
		return strings.Contains(p, "filter ›") && !strings.Contains(p, "zzz") && !strings.Contains(p, "filter › /")
	})
	n.send("zzz")
	n.wait("the filter", func(p string) bool { return strings.Contains(p, "filter › zzz") })
	n.send("Escape", "Enter")
	n.wait("the filter cleared and the device open", func(p string) bool {
		return !strings.Contains(p, "zzz") && strings.HasSuffix(footer(p), "q back")
	})

	n.send("q", "space")
	n.wait("a device marked", func(p string) bool { return strings.Contains(p, "1 marked") })
	n.send("Escape")
	n.wait("the question", func(p string) bool { return strings.Contains(p, "Clear 1 mark? [y/N]") })
	n.send("Escape", "C-c")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(n.status); err == nil {
			if strings.TrimSpace(string(b)) != "exit=0" {
				t.Fatalf("sqc left with %s", b)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("esc ctrl+c did not quit from the question:\n%s", n.screen())
}
