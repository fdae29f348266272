package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sqc/keys"
	"sqc/state/store"
)

// recorded fills the database of the test key as consoles and commands
// would have: devices as listed, writes, and the day's calls.
func recorded(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	path := store.Path(filepath.Join(os.Getenv("XDG_STATE_HOME"), "sqc"), "default", keys.Fingerprint(testKey))
	db, _, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	err = db.PutDevices(ctx, []store.Device{
		{ID: "AAA111", JSON: []byte(`{"deviceid":"AAA111","plan":"Hosted"}`)},
		{ID: "BBB222", JSON: []byte(`{"deviceid":"BBB222","plan":"Hosted"}`)},
		{ID: "CCC333", JSON: []byte(`{"deviceid":"CCC333","plan":"Trial"}`)},
		{ID: "DDD444", JSON: []byte(`{"deviceid":"DDD444","plan":"None"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	left := 17
	for _, c := range []store.Calls{
		{Key: keys.Fingerprint(testKey), At: now, Sent: 40, RateLimited: 2},
		{Key: keys.Fingerprint(testKey), At: now, Sent: 3, DeviceID: "CCC333", Remaining: &left},
		{Key: "another-key", At: now, Sent: 500},
	} {
		if err := db.Count(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []store.AuditEntry{
		{At: now.Add(-48 * time.Hour), Profile: "default", Device: "AAA111", Op: "update config", Status: 202, Outcome: "taken", Detail: "- interval 60\n+ interval 120\n"},
		{At: now.Add(-time.Hour), Profile: "default", Device: "AAA111", Op: "update config", Status: 202, Outcome: "taken", Detail: "- interval 120\n+ interval 250\n"},
		{At: now.Add(-time.Hour), Profile: "default", Device: "BBB222", Op: "reboot", Status: 400, Outcome: "refused", Message: "device offline"},
	} {
		if err := db.Audit(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
}

// sqc audit prints what the database recorded, by device and span, as
// text for a ticket or JSON for a script, and sends no request.
func TestAuditPrintsTheRecordedWrites(t *testing.T) {
	s, _ := setup(t)
	code, _, stderr := sqc(t, "audit")
	if code != 1 || !strings.Contains(stderr, "nothing is recorded yet for profile default") {
		t.Fatalf("no database: exit %d, %q", code, stderr)
	}
	recorded(t)
	code, out, stderr := sqc(t, "audit", "--device", "aaa111", "--since", "24h")
	if code != 0 || strings.Count(out, "device=AAA111") != 1 || !strings.Contains(out, "\n    - interval 120\n    + interval 250\n") || strings.Contains(out, "interval 60") {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	code, out, _ = sqc(t, "audit", "--json")
	var got struct {
		Entries []struct {
			Device  string   `json:"deviceid"`
			Outcome string   `json:"outcome"`
			Message string   `json:"message"`
			Detail  []string `json:"detail"`
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil || len(got.Entries) != 3 || got.Entries[2].Message != "device offline" || len(got.Entries[0].Detail) != 2 {
		t.Fatalf("exit %d %v\n%s", code, err, out)
	}
	if code, _, stderr := sqc(t, "audit", "--since", "-1h"); code != 2 || !strings.Contains(stderr, "negative") {
		t.Errorf("negative span: exit %d %q", code, stderr)
	}
	if code, _, stderr := sqc(t, "audit", "AAA111"); code != 2 || !strings.Contains(stderr, "takes no arguments") {
		t.Errorf("an argument: exit %d %q", code, stderr)
	}
	if n := s.Stats().Requests; n != 0 {
		t.Errorf("audit sent %d requests", n)
	}
}

// sqc quota prints the key's day from the ledger every process adds to,
// the limits of the listed devices, and each non-Hosted device's calls
// left; another key's calls are not counted.
func TestQuotaPrintsTheLedgerOfTheKey(t *testing.T) {
	s, _ := setup(t)
	recorded(t)
	code, out, stderr := sqc(t, "quota", "--json")
	var r struct {
		Key         string  `json:"key"`
		Used        int     `json:"used"`
		RateLimited int     `json:"rateLimited"`
		Daily       int     `json:"dailyLimit"`
		Left        int     `json:"left"`
		Rate        float64 `json:"ratePerSecond"`
		Devices     []struct {
			ID        string `json:"deviceid"`
			Calls     int    `json:"callsThisMonth"`
			Remaining *int   `json:"remaining"`
		} `json:"devices"`
	}
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil {
		t.Fatalf("exit %d %v\n%s%s", code, err, out, stderr)
	}
	if r.Used != 43 || r.RateLimited != 2 || r.Daily != 2000 || r.Left != 1957 || r.Rate != 2 || r.Key != keys.Fingerprint(testKey) {
		t.Errorf("quota %+v", r)
	}
	if len(r.Devices) != 2 || r.Devices[0].ID != "CCC333" || r.Devices[0].Calls != 3 || *r.Devices[0].Remaining != 17 || r.Devices[1].Remaining != nil {
		t.Errorf("devices %+v", r.Devices)
	}
	if strings.Contains(out, testKey) {
		t.Error("the key is in the output")
	}
	code, out, _ = sqc(t, "quota")
	if code != 0 || !strings.Contains(out, "43 of 2000 calls used, 1957 left, 2 answered 429") || !strings.Contains(out, "CCC333  Trial") {
		t.Errorf("exit %d\n%s", code, out)
	}
	if n := s.Stats().Requests; n != 0 {
		t.Errorf("quota sent %d requests", n)
	}
}

// A machine where an earlier sqc kept the ledger and the audit log in
// files: sqc quota and sqc audit import them (once, keeping the files
// under a name that says so) rather than saying nothing was recorded.
func TestQuotaAndAuditImportTheOldFiles(t *testing.T) {
	s, _ := setup(t)
	dir := filepath.Join(os.Getenv("XDG_STATE_HOME"), "sqc")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	fp := keys.Fingerprint(testKey)
	ledger := filepath.Join(dir, "quota-"+strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, fp)+".json")
	old := `{"day":"` + now.Format(time.DateOnly) + `","used":321,"rateLimited":4,"month":"` + now.Format("2006-01") + `","remaining":{}}`
	if err := os.WriteFile(ledger, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	entry := now.Add(-time.Hour).Format(time.RFC3339) + ` profile=default device=AAA111 op="Update Device Config" status=202 outcome="taken" message="queued"` + "\n    + interval 250\n"
	if err := os.WriteFile(filepath.Join(dir, "audit.log"), []byte(entry), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := sqc(t, "quota")
	if code != 0 || !strings.Contains(out, "321 of 1000 calls used") || !strings.Contains(out, "no device list is kept yet") {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = sqc(t, "audit")
	if code != 0 || !strings.Contains(out, "device=AAA111") || !strings.Contains(out, "\n    + interval 250\n") {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	for _, f := range []string{ledger, filepath.Join(dir, "audit.log")} {
		if _, err := os.Stat(f + ".imported"); err != nil {
			t.Errorf("%s not kept as imported: %v", f, err)
		}
	}
	if n := s.Stats().Requests; n != 0 {
		t.Errorf("quota and audit sent %d requests", n)
	}
}

// A cut old ledger file is set aside by the first command that opens the
// database, and said once on stderr with the file's name, however many
// parts of the command use the database.
func TestACutOldLedgerIsSaidOnceByACommand(t *testing.T) {
	s := writeSetup(t)
	dir := filepath.Join(os.Getenv("XDG_STATE_HOME"), "sqc")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	ledger := filepath.Join(dir, "quota-"+strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, keys.Fingerprint(testKey))+".json")
	if err := os.WriteFile(ledger, []byte(`{"day":"2026-12-05","used":4`), 0o600); err != nil {
		t.Fatal(err)
	}
	id := hostedDevice(t, s)
	code, out, stderr := sqc(t, "config", "set", id, "ambient.warning=41", "--yes")
	if code != 0 || strings.Count(stderr, "could not be read") != 1 || !strings.Contains(stderr, filepath.Base(ledger)+".damaged") {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
}
