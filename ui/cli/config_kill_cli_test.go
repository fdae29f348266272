package cli

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"sqc/api"
	"sqc/keys"
	"sqc/state"
	"sqc/state/store"
)

// killChild is the environment variable that makes the test binary run
// sqc with the arguments in killArgs, as the process the test kills.
const (
	killChild = "SQC_TEST_KILL_CHILD"
	killArgs  = "SQC_TEST_KILL_ARGS"
)

// TestKilledChild is sqc itself when the test binary is started by
// TestConfigSetKilledAtRandomSendsNothingTwice; otherwise it does nothing.
func TestKilledChild(t *testing.T) {
	if os.Getenv(killChild) == "" {
		t.Skip("the process TestConfigSetKilledAtRandomSendsNothingTwice kills")
	}
	args := strings.Split(os.Getenv(killArgs), "\x1f")
	os.Exit(run(context.Background(), args, strings.NewReader(""), os.Stdout, os.Stderr))
}

// How a run is killed: while the server has a write and has not taken it,
// once it has taken it but before the answer goes back, or a moment
// after an answer (while the outcome, the next device's sending mark or
// the next write is on its way).
const (
	killBeforeTaken = iota
	killAfterTaken
	killAfterAnswer
	killModes
)

// A change to 6 devices is killed (SIGKILL) at a random point 20 times,
// and resumed each time: no device is written twice (PATCHes counted at
// the server), every device's outcome is known or read back, and the
// job's journal and the audit log agree on every device.
func TestConfigSetKilledAtRandomSendsNothingTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 20 processes")
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>7))
	for k := range 20 {
		mode, at := rng.IntN(killModes), 1+rng.IntN(6)
		delay := time.Duration(rng.IntN(20_000)) * time.Microsecond
		t.Run("", func(t *testing.T) { killedOnce(t, mode, at, delay, k) })
	}
}

func killedOnce(t *testing.T, mode, at int, delay time.Duration, k int) {
	var mu sync.Mutex
	var cmd *exec.Cmd
	kill := func() {
		mu.Lock()
		defer mu.Unlock()
		_ = cmd.Process.Kill()
	}
	armed, patches := true, 0
	var g *gatedServer
	s, gs := gated(t, func(_ int, w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		if r.Method != "PATCH" || !armed {
			mu.Unlock()
			return false
		}
		if patches++; patches != at {
			mu.Unlock()
			return false
		}
		armed = false
		mu.Unlock()
		switch mode {
		case killBeforeTaken:
			kill()
			return true
		case killAfterTaken:
			g.sim.ServeHTTP(httptest.NewRecorder(), r)
			kill()
			return true
		}
		time.AfterFunc(delay, kill)
		return false
	})
	ids := hostedIDs(t, s, 6)
	mu.Lock()
	g = gs
	cmd = exec.Command(os.Args[0], "-test.run=^TestKilledChild$")
	cmd.Env = append(os.Environ(), killChild+"=1", killArgs+"="+strings.Join([]string{"config", "set", strings.Join(ids, ","), "ambient.warning=45", "--yes"}, "\x1f"))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Start()
	mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	mu.Lock()
	armed = false // a kill after the run ended changes nothing
	mu.Unlock()
	t.Logf("run %d: mode %d at write %d (+%v): %s", k, mode, at, delay, out.String())

	code, o, errs := sqc(t, "config", "set", "--resume", "--yes")
	if code != 0 && code != 1 {
		t.Fatalf("resume: exit %d:\n%s%s", code, o, errs)
	}

	// at the server: each device written once at most
	sent := map[string]int{}
	for _, r := range writes(s) {
		if r.Method == "PATCH" {
			if sent[r.DeviceID]++; sent[r.DeviceID] > 1 {
				t.Errorf("%s written twice", r.DeviceID)
			}
		}
	}
	job := onlyJob(t)
	audited := auditedOutcomes(t)
	c, err := api.New(api.Options{BaseURL: os.Getenv("SENQUIP_API_URL"), Key: testKey, RatePerSecond: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range job.Items {
		id := ids[i]
		if it.DeviceID != id {
			t.Fatalf("the job's device %d is %s, want %s", i, it.DeviceID, id)
		}
		a := audited[id]
		switch it.Status {
		case "queued", "applied": // known: taken, once, and audited so
			if sent[id] != 1 || len(a) != 1 || a[0] != "taken" {
				t.Errorf("%s is %s in the journal; %d writes at the server, audit %v", id, it.Status, sent[id], a)
			}
		case "unknown": // out at the kill: read back
			resp, err := c.GetConfig(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			// the server took it (it waits for the device, or the device
			// has it), or the device is synced without it: nothing waits
			says := state.ReadBack(true, resp, []state.Change{{Key: "ambient.warning", New: json.Number("45")}})
			if (says == state.ReadBackNotTaken) != (sent[id] == 0) {
				t.Errorf("%s: the read-back says %d (synced %v) after %d writes at the server", id, says, resp.Synced, sent[id])
			}
			if len(a) > 1 || len(a) == 1 && (a[0] != "taken" || sent[id] != 1) {
				t.Errorf("%s is %s in the journal, audit %v, %d writes at the server", id, it.Status, a, sent[id])
			}
		default:
			t.Errorf("%s is %s after the resume (%q)", id, it.Status, it.Message)
		}
	}
	if t.Failed() {
		t.Logf("resume:\n%s%s", o, errs)
	}
}

// onlyJob is the one bulk job the state database holds for the test key.
func onlyJob(t *testing.T) store.Job {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(os.Getenv("XDG_STATE_HOME"), "sqc", "sqc-*.db"))
	if len(paths) != 1 {
		t.Fatalf("databases %v, want one", paths)
	}
	db, _, err := store.Open(paths[0], store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids, err := db.Jobs(context.Background(), keys.Fingerprint(testKey))
	if err != nil || len(ids) != 1 {
		t.Fatalf("jobs %v, %v: want one", ids, err)
	}
	j, _, err := db.Job(context.Background(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	return j
}

var auditEntry = regexp.MustCompile(`device=(\S+) op="` + string(api.OpUpdateConfig) + `" status=\d+ outcome="([^"]*)"`)

// auditedOutcomes are the audit log's outcomes of config writes, by device.
func auditedOutcomes(t *testing.T) map[string][]string {
	out := map[string][]string{}
	for _, m := range auditEntry.FindAllStringSubmatch(auditLog(t), -1) {
		out[m[1]] = append(out[m[1]], m[2])
	}
	return out
}
