package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"sqc/keys"
	"sqc/state"
)

// alarmFleet is a server of the contract that is not our simulator: a
// few devices reporting every 20 s (real time, as sqc watch runs), with
// lastSeen in the list; a device set in alarm sends a level-40 event.
type alarmFleet struct {
	mu    sync.Mutex
	ids   []string
	alarm map[string]bool
	lists atomic.Int64
}

func (f *alarmFleet) set(id string, on bool) { f.mu.Lock(); f.alarm[id] = on; f.mu.Unlock() }

func (f *alarmFleet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := time.Now().Truncate(20 * time.Second)
	if r.URL.Path == "/devices" {
		f.lists.Add(1)
		var devs []map[string]any
		for _, id := range f.ids {
			devs = append(devs, map[string]any{"deviceid": id, "name": "Pump\x1b[31m " + id[7:], "plan": "Hosted", "lastSeen": seen.Unix(), "unknown": []int{1}})
		}
		json.NewEncoder(w).Encode(map[string]any{"devices": devs, "next": nil})
		return
	}
	id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/devices/"), "/data")
	msg := map[string]any{"ts": float64(seen.Unix()) + 0.1, "vin": 24.000000001}
	if f.alarm[id] {
		msg["events"] = []any{map[string]any{"topic": "ambient", "msg": "High temperature", "lv": 40}}
	}
	json.NewEncoder(w).Encode(map[string]any{"deviceid": id, "data": []any{msg}})
}

// watchServer serves an alarmFleet and keeps what a first run learnt in
// the database: every device ok. What sqc watch then finds changed from
// that baseline is what it prints.
func watchServer(t *testing.T) *alarmFleet {
	t.Helper()
	setup(t)
	f := &alarmFleet{alarm: map[string]bool{}}
	for i := range 4 {
		f.ids = append(f.ids, fmt.Sprintf("WATCH%04d", i))
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Setenv("SENQUIP_API_URL", srv.URL)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"watch"}, strings.NewReader(""), &strings.Builder{}, &strings.Builder{})
	}()
	dir := filepath.Join(os.Getenv("XDG_STATE_HOME"), "sqc")
	db, err := state.OpenDB(dir, keys.DefaultProfile, keys.Fingerprint(testKey), time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for kept := 0; kept < len(f.ids); {
		if time.Now().After(deadline) {
			t.Fatalf("the first run kept %d devices' messages", kept)
		}
		kept = 0
		for _, id := range f.ids {
			if _, ok, _ := db.LatestMessage(context.Background(), id); ok {
				kept++
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	db.Close()
	cancel() // as SIGTERM does
	if code := <-done; code != 0 {
		t.Fatalf("sqc watch stopped by a signal exited %d, want 0", code)
	}
	return f
}

// A device that entered alarm since the database last saw it ok is one
// JSON line; the states it already knew print nothing; a signal ends it
// with status 0.
func TestWatchJSONPrintsTheAlarmOnceAndStopsOnSignal(t *testing.T) {
	f := watchServer(t)
	f.set("WATCH0002", true)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"watch", "--json"}, strings.NewReader(""), pw, &stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var got watchLine
	if err := json.Unmarshal([]byte(line), &got); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	if got.Device != "WATCH0002" || got.From != "ok" || got.To != "alarm" || got.Text != "ambient: High temperature" || got.At.IsZero() {
		t.Fatalf("line %q", line)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d on a signal: %s", code, stderr.String())
	}
	rest, _ := bufio.NewReader(pr).ReadString(0)
	if rest != "" {
		t.Fatalf("more than the one change: %q", rest)
	}
}

// The reader of sqc watch went away (`| head -1`): the next line to
// print ends it, with status 0 and nothing said; the filter keeps out
// the devices it does not match, and the text lines are cleaned.
func TestWatchEndsQuietlyOnAClosedPipe(t *testing.T) {
	f := watchServer(t)
	f.set("WATCH0001", true)
	f.set("WATCH0003", true)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	pr.Close()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), []string{"watch", "--filter", "id:watch0003"}, strings.NewReader(""), pw, &stderr)
	}()
	select {
	case code := <-done:
		if code != 0 || stderr.Len() != 0 {
			t.Fatalf("exit %d, said %q", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("sqc watch wrote into a closed pipe and went on")
	}
}

// A filter that does not parse is a usage error saying what was wrong.
func TestWatchBadFilter(t *testing.T) {
	setup(t)
	code, _, stderr := sqc(t, "watch", "--filter", "colour:red")
	if code != 2 || !strings.Contains(stderr, "--filter") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// The built program, as a script runs it: a reader gone before the first
// line (`sqc watch | true`) ends it with 0, not killed by SIGPIPE; SIGTERM
// ends it with 0.
func TestWatchBinaryClosedPipeAndSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program")
	}
	f := watchServer(t)
	f.set("WATCH0000", true)
	bin := filepath.Join(t.TempDir(), "sqc")
	if out, err := exec.Command("go", "build", "-o", bin, "../..").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	pr.Close()
	cmd := exec.Command(bin, "watch", "--json")
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = pw, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if err := waitExit(cmd, 30*time.Second); err != nil {
		t.Fatalf("closed pipe: %v (%s)", err, stderr.String())
	}

	cmd = exec.Command(bin, "watch")
	stderr.Reset()
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	lists := f.lists.Load()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for f.lists.Load() == lists { // running: it listed the fleet
		if time.Now().After(deadline) {
			t.Fatal("sqc watch never listed the devices")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := waitExit(cmd, 30*time.Second); err != nil {
		t.Fatalf("SIGTERM: %v (%s)", err, stderr.String())
	}
}

// waitExit waits for cmd, killing it after d; nil when it exited 0.
func waitExit(cmd *exec.Cmd, d time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		cmd.Process.Kill()
		return fmt.Errorf("still running after %v: %v", d, <-done)
	}
}
