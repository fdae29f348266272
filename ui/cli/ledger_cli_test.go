package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sqc/api"
	"sqc/keys"
	"sqc/state"
	"sqc/state/live"
	"sqc/state/store"
)

// buildSQC builds the program for tests that run it as processes.
func buildSQC(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sqc")
	if out, err := exec.Command("go", "build", "-o", bin, "../..").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// A console's engine and three processes at once on one key (a device
// lister, a data reader and a config set loop, as scripts in cron would
// be): the quota ledger's count for the day is exactly the number of
// requests the server received, reads included, with nothing merged.
func TestThreeProcessesCountEveryRequestInTheLedger(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program")
	}
	s, _ := setup(t)
	var received atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	bin := buildSQC(t)
	id := hostedDevice(t, s)
	env := append(os.Environ(), "SENQUIP_API_URL="+srv.URL)
	stateDir := filepath.Join(os.Getenv("XDG_STATE_HOME"), "sqc")
	start := time.Now()

	// the console's engine, reading the fleet all along
	ledger, _, err := state.OpenLedgerIn(stateDir, keys.DefaultProfile, keys.Fingerprint(testKey), start, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := api.Options{BaseURL: srv.URL, Key: testKey}
	live.Hooks(ledger, nil, time.Now)(&o)
	c, err := api.New(o)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := live.New(live.Config{Client: c, Ledger: ledger, Share: keys.DefaultShare, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}

	loops := [][][]string{{}, {}, {}}
	for i := range 6 {
		loops[0] = append(loops[0], []string{"devices", "--json"})
		loops[1] = append(loops[1], []string{"data", id, "--json"})
		loops[2] = append(loops[2], []string{"config", "set", id, fmt.Sprintf("ambient.warning=%d", 40+i), "--yes"})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 18)
	for _, loop := range loops {
		wg.Go(func() {
			for _, args := range loop {
				cmd := exec.Command(bin, args...)
				cmd.Env = env
				if out, err := cmd.CombinedOutput(); err != nil {
					errs <- fmt.Errorf("sqc %v: %v\n%s", args, err, out)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := engine.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ledger.Close(); err != nil {
		t.Fatal(err)
	}
	if n := c.Usage().Requests; n < 5 {
		t.Fatalf("the engine made %d requests meanwhile", n)
	}
	db, _, err := store.Open(store.Path(stateDir, keys.DefaultProfile, keys.Fingerprint(testKey)), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	counted := 0
	for _, day := range []time.Time{start, time.Now()} {
		u, err := db.Usage(ctx, keys.Fingerprint(testKey), day)
		if err != nil {
			t.Fatal(err)
		}
		counted += u.Used
		if dayOfUTC(start) == dayOfUTC(time.Now()) {
			break
		}
	}
	if n := int(received.Load()); counted != n || n < 18 {
		t.Fatalf("the ledger counts %d requests, the server received %d", counted, n)
	}
	t.Logf("%d requests, %d of them the engine's: all counted", counted, c.Usage().Requests)
}

func dayOfUTC(t time.Time) string { return t.UTC().Format(time.DateOnly) }
