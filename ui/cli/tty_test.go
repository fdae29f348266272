package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The real binary in a real terminal (tmux): the demo opens at 80x24,
// answers keys, and q leaves with status 0 and the shell's screen back.
// With NO_COLOR set the screen carries no colour at all.
func TestConsoleInTmux(t *testing.T) {
	for _, noColor := range []bool{false, true} {
		t.Run(map[bool]string{false: "colour", true: "NO_COLOR"}[noColor], func(t *testing.T) {
			t.Parallel() // each its own tmux server, folder and binary
			runInTmux(t, noColor)
		})
	}
}

var sgrRe = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)

// colourSGR returns the first SGR sequence that sets a colour, or "".
func colourSGR(out string) string {
	for _, m := range sgrRe.FindAllStringSubmatch(out, -1) {
		for _, p := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ';' || r == ':' }) {
			n, _ := strconv.Atoi(p)
			if (n >= 30 && n <= 38) || (n >= 40 && n <= 48) || (n >= 90 && n <= 97) || (n >= 100 && n <= 107) {
				return m[0]
			}
		}
	}
	return ""
}

func runInTmux(t *testing.T, noColor bool) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (apt-get install tmux): skipping the terminal test")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "sqc")
	if out, err := exec.Command("go", "build", "-o", bin, "../..").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	sock := filepath.Join(dir, "tmux.sock")
	status := filepath.Join(dir, "status")
	tmux := func(args ...string) string {
		out, _ := exec.Command("tmux", append([]string{"-S", sock}, args...)...).CombinedOutput()
		return string(out)
	}
	defer tmux("kill-server")
	env := "XDG_STATE_HOME=" + dir + " TERM=xterm-256color COLORTERM=truecolor"
	if noColor {
		env += " NO_COLOR=1"
	}
	script := "printf 'before sqc\\n'; " + env + " " + bin + " --demo; echo \"exit=$?\" > " + status + "; sleep 30"
	if out, err := exec.Command("tmux", "-S", sock, "new-session", "-d", "-x", "80", "-y", "24", "sh", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	waitPane := func(what string, cond func(string) bool) string {
		deadline := time.Now().Add(patience)
		for time.Now().Before(deadline) {
			if p := tmux("capture-pane", "-p"); cond(p) {
				return p
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("pane never showed %s:\n%s", what, tmux("capture-pane", "-p"))
		return ""
	}
	waitPane("the console", func(p string) bool { return strings.Contains(p, "60 devices") && strings.Contains(p, "key: demo") })
	colour := colourSGR(tmux("capture-pane", "-p", "-e"))
	if noColor && colour != "" {
		t.Errorf("NO_COLOR set, yet the screen has colour: %q", colour)
	}
	if !noColor && colour == "" {
		t.Error("no colour on a colour terminal: the NO_COLOR check above proves nothing")
	}
	tmux("send-keys", "?")
	waitPane("help", func(p string) bool {
		return strings.Contains(p, "Keys · lines 1-") && strings.Contains(p, "page down")
	})
	tmux("send-keys", "Escape")
	waitPane("help closed", func(p string) bool { return !strings.Contains(p, "page down") })
	tmux("send-keys", "q")
	waitPane("the shell again", func(p string) bool { return strings.Contains(p, "before sqc") && !strings.Contains(p, "60 devices") })
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(status); err == nil {
			if strings.TrimSpace(string(b)) != "exit=0" {
				t.Fatalf("sqc left with %s", b)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no exit status recorded")
}
