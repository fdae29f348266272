package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
)

// gatedServer serves the simulator behind a hook that sees each request
// first, and keeps when each arrived.
type gatedServer struct {
	sim  *sim.Server
	hook func(n int, w http.ResponseWriter, r *http.Request) bool // true: answered
	mu   sync.Mutex
	seen []time.Time
	n    int
}

func (g *gatedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.n++
	n := g.n
	g.seen = append(g.seen, time.Now())
	g.mu.Unlock()
	if g.hook != nil && g.hook(n, w, r) {
		return
	}
	g.sim.ServeHTTP(w, r)
}

func gated(t *testing.T, hook func(n int, w http.ResponseWriter, r *http.Request) bool) (*sim.Server, *gatedServer) {
	t.Helper()
	s, _ := setup(t)
	g := &gatedServer{sim: s, hook: hook}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	t.Setenv("SENQUIP_API_URL", srv.URL)
	return s, g
}

// takenOnce checks that each device took exactly one config write.
func takenOnce(t *testing.T, s *sim.Server, ids []string) {
	t.Helper()
	taken := map[string]int{}
	for _, r := range s.Requests() {
		if r.Method == "PATCH" && r.Status == 202 {
			taken[r.DeviceID]++
		}
	}
	for _, id := range ids {
		if taken[id] != 1 {
			t.Errorf("%s took the change %d times, want once: %v", id, taken[id], taken)
		}
	}
	if len(taken) != len(ids) {
		t.Errorf("%d devices took the change, want %d: %v", len(taken), len(ids), taken)
	}
}

// The server answers the first request with 429 and Retry-After: 2, and
// later the first write too: sqc waits each time, sends nothing in the
// meantime, and writes each of the 5 devices exactly once.
func TestConfigSetWaitsOutA429AndWritesEachDeviceOnce(t *testing.T) {
	s, g := gated(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n == 1 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"message":"Too Many Requests"}`))
			return true
		}
		return false
	})
	ids := hostedIDs(t, s, 5)
	s.Inject(sim.Fault{Op: api.OpUpdateConfig, Status: 429, Message: "Too Many Requests", RetryAfter: "2", Count: 1})
	code, out, errs := sqc(t, "config", "set", strings.Join(ids, ","), "ambient.warning=45", "--yes")
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, out, errs)
	}
	takenOnce(t, s, ids)
	if n := strings.Count(errs, "waiting: rate limited (429)"); n != 2 {
		t.Errorf("said it waits %d times, want 2 (the listing, the write):\n%s", n, errs)
	}
	if n := strings.Count(out, "queued (202)"); n != 5 {
		t.Errorf("%d devices queued, want 5:\n%s", n, out)
	}
	// nothing went to the server while it waited: the request after each
	// 429 came at least the 2 s the server asked for (less the time the
	// 429 took to reach the client)
	var after []time.Duration
	reqs := s.Requests()
	g.mu.Lock()
	seen := append([]time.Time(nil), g.seen...)
	g.mu.Unlock()
	after = append(after, seen[1].Sub(seen[0]))
	for i, r := range reqs {
		if r.Status == 429 && i+1 < len(reqs) {
			after = append(after, reqs[i+1].At.Sub(r.At))
		}
	}
	if len(after) != 2 {
		t.Fatalf("%d waits seen, want 2", len(after))
	}
	for _, d := range after {
		if d < 1800*time.Millisecond {
			t.Errorf("a request %v after a 429 that asked for 2 s", d)
		}
	}
}

// A run stopped half way (its context cancelled, as SIGTERM or ctrl+c
// does) says how to resume; --resume sends the rest, and nothing twice.
func TestConfigSetStoppedIsResumedSendingNothingTwice(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	patches := 0
	var mu sync.Mutex
	s, _ := gated(t, func(_ int, _ http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == "PATCH" {
			if patches++; patches == 2 {
				cancel() // the stop comes while the second write is out
			}
		}
		return false
	})
	ids := hostedIDs(t, s, 5)
	var out, errb bytes.Buffer
	code := run(ctx, []string{"config", "set", strings.Join(ids, ","), "ambient.warning=45", "--yes"}, strings.NewReader(""), &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "stopped: 2 of 5 devices sent") || !strings.Contains(errb.String(), "sqc config set --resume sends it, none twice") {
		t.Fatalf("exit %d:\n%s%s", code, out.String(), errb.String())
	}
	if n := len(writes(s)); n != 2 {
		t.Fatalf("%d writes before the stop took effect, want 2 (the one out finishes)", n)
	}
	code, o, errs := sqc(t, "config", "set", "--resume", "--yes")
	if code != 0 || !strings.Contains(o, "2 of 5 devices sent, 3 to send") || !strings.Contains(o, "+ ambient.warning 45") {
		t.Fatalf("resume: exit %d:\n%s%s", code, o, errs)
	}
	takenOnce(t, s, ids)
	if code, o, errs := sqc(t, "config", "set", "--resume", "--yes"); code != 0 || !strings.Contains(o, "nothing to resume") || len(writes(s)) != 5 {
		t.Fatalf("a second resume: exit %d, %d writes:\n%s%s", code, len(writes(s)), o, errs)
	}
	if code, _, errs := sqc(t, "config", "set", "--resume", ids[0], "a=1"); code != 2 || !strings.Contains(errs, "takes no devices or settings") {
		t.Fatalf("--resume with devices: exit %d %s", code, errs)
	}
}

// The binary, sent SIGTERM half way through a change to 5 devices, stops
// after the write out, keeps the job and says how to resume it; the
// resume writes each device the stop left, none twice.
func TestBinaryConfigSetResumableAfterSIGTERM(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "sqc")
	if out, err := exec.Command("go", "build", "-o", bin, "../..").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	var cmd *exec.Cmd
	var mu sync.Mutex
	patches := 0
	s, _ := gated(t, func(_ int, _ http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == "PATCH" {
			if patches++; patches == 2 {
				_ = cmd.Process.Signal(syscall.SIGTERM)
			}
		}
		return false
	})
	ids := hostedIDs(t, s, 5)
	mu.Lock()
	cmd = exec.Command(bin, "config", "set", strings.Join(ids, ","), "ambient.warning=45", "--yes")
	cmd.Env = os.Environ()
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Start()
	mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(out.String(), "sqc config set --resume") {
		t.Fatalf("after SIGTERM: exit %d:\n%s", code, out.String())
	}
	if n := len(writes(s)); n >= 5 {
		t.Fatalf("%d writes: SIGTERM did not stop the run", n)
	}
	code, o, errs := sqc(t, "config", "set", "--resume", "--yes")
	if code != 0 {
		t.Fatalf("resume: exit %d:\n%s%s", code, o, errs)
	}
	takenOnce(t, s, ids)
}
