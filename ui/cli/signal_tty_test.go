package cli

import (
	"database/sql"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
	"sqc/keys"
	"sqc/state"
	"sqc/state/store"
)

// hangingReads serves the simulator but holds every Get Device Data until
// the client hangs up, counting those it holds.
type hangingReads struct {
	sim    http.Handler
	routes *api.Routes
	held   atomic.Int64
}

func (h *hangingReads) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if op, _, ok, _ := h.routes.Match(r.Method, r.URL.Path); ok && op == api.OpGetData {
		h.held.Add(1)
		<-r.Context().Done()
		return
	}
	h.sim.ServeHTTP(w, r)
}

// The console in a real terminal, its reads hanging and the database of
// the quota ledger held by another sqc's write: SIGTERM or SIGHUP (an SSH session
// that dropped) ends it, the screen data it had is saved, and the shell's
// terminal is back. Before, the save waited on the lock and a second
// signal was swallowed: only SIGKILL was sure to end it.
func TestConsoleLeavesOnSignalWhileRequestsHang(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (apt-get install tmux): skipping the terminal test")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "sqc")
	if out, err := exec.Command("go", "build", "-o", bin, "../..").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) { signalConsole(t, bin, sig) })
	}
}

func signalConsole(t *testing.T, bin string, sig syscall.Signal) {
	dir := t.TempDir()
	h := &hangingReads{sim: sim.New(sim.Options{Devices: 30, Key: testKey}), routes: api.DefaultRoutes()}
	srv := httptest.NewServer(h)
	defer srv.Close()
	stateDir := filepath.Join(dir, "state", "sqc")
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		t.Fatal(err)
	}
	fp := keys.Fingerprint(testKey)
	// Another sqc in the middle of a write to the database the ledger is
	// in, for longer than the busy timeout.
	path := store.Path(stateDir, keys.DefaultProfile, fp)
	made, _, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	made.Close()
	other, err := sql.Open("sqlite", path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lock, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()

	sock, pidFile := filepath.Join(dir, "tmux.sock"), filepath.Join(dir, "pid")
	tmux := func(args ...string) string {
		out, _ := exec.Command("tmux", append([]string{"-S", sock}, args...)...).CombinedOutput()
		return string(out)
	}
	defer tmux("kill-server")
	env := "XDG_STATE_HOME=" + filepath.Join(dir, "state") + " XDG_CONFIG_HOME=" + filepath.Join(dir, "config") +
		" XDG_RUNTIME_DIR=" + dir + " DBUS_SESSION_BUS_ADDRESS= SENQUIP_API_KEY=" + testKey +
		" SENQUIP_API_URL=" + srv.URL + " TERM=xterm-256color"
	// The inner shell is replaced by sqc, so its pid is sqc's; the outer
	// one records how it ended and keeps the pane.
	status := filepath.Join(dir, "status")
	script := "printf 'before sqc\\n'; sh -c 'echo $$ > " + pidFile + "; exec env " + env + " " + bin + "'; echo \"exit=$?\" > " + status + "; sleep 30"
	if out, err := exec.Command("tmux", "-S", sock, "new-session", "-d", "-x", "80", "-y", "24", "sh", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	waitFor := func(what string, d time.Duration, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(d); !cond(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("never %s:\n%s", what, tmux("capture-pane", "-p"))
			}
		}
	}
	waitFor("showed the fleet", 15*time.Second, func() bool { return strings.Contains(tmux("capture-pane", "-p"), "30 devices") })
	waitFor("held a read", 15*time.Second, func() bool { return h.held.Load() > 0 })
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, sig); err != nil {
		t.Fatal(err)
	}
	// A deadline five times the second the program gives itself: it
	// proves that the exit does not wait on the lock (whose own wait is
	// 5 s), not how fast the exit is.
	gone := func() bool { return syscall.Kill(pid, 0) != nil }
	for deadline := time.Now().Add(5 * time.Second); !gone(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("still running 5 s after %v, the quota ledger's lock held by another sqc", sig)
		}
	}
	if _, err := os.Stat(state.CachePath(stateDir, fp)); err != nil {
		t.Errorf("the screen's data was not saved at %v: %v", sig, err)
	}
	waitFor("gave the shell's screen back", 5*time.Second, func() bool {
		p := tmux("capture-pane", "-p")
		return strings.Contains(p, "before sqc") && !strings.Contains(p, "30 devices")
	})
	if p := tmux("capture-pane", "-p"); strings.Contains(p, "context canceled") {
		t.Errorf("the library's words for a cancelled context:\n%s", p)
	}
	if b, err := os.ReadFile(status); err != nil || strings.TrimSpace(string(b)) == "exit=0" {
		t.Errorf("exit status %q (%v): a signalled console is not a success", b, err)
	}
}

// The built program given a FIFO named like a certificate neither blocks
// in open(2) nor waits for a writer: it refuses the file and leaves, and
// were it still running, SIGTERM would end it.
func TestBinaryFilesLoadOnAFIFOLeaves(t *testing.T) {
	s, srv := setup(t)
	id := hostedDevice(t, s)
	bin := filepath.Join(t.TempDir(), "sqc")
	if out, err := exec.Command("go", "build", "-o", bin, "../..").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	fifo := filepath.Join(t.TempDir(), "mqtt_ca.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "files", "load", id, fifo, "--yes")
	cmd.Env = append(os.Environ(), "SENQUIP_API_URL="+srv.URL)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
			t.Fatalf("files load waited on a FIFO until SIGTERM:\n%s", out.String())
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("files load on a FIFO ignored SIGTERM:\n%s", out.String())
		}
	}
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(out.String(), "named pipe (FIFO)") {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("%d requests for a refused FIFO", n)
	}
}
