package state

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sqc/api"
	"sqc/state/store"
)

// oldFiles writes every file an earlier sqc kept for one key, the way it
// wrote them, with a damaged one of each kind that can be damaged.
func oldFiles(t *testing.T, dir, fp string, now time.Time) {
	t.Helper()
	f := NewFleet()
	f.SetDevices([]api.Device{{DeviceID: "AAA111", Name: "pump"}, {DeviceID: "BBB222", Name: "tank"}}, now)
	f.SetData("AAA111", eventPage(t, now.Add(-time.Minute), 30), now)
	if err := f.Snapshot(now, "AAA111").Save(CachePath(dir, fp)); err != nil {
		t.Fatal(err)
	}

	// the ledger as the flock-merged JSON file had it
	ledger := fmt.Sprintf(`{"day":%q,"used":3,"rateLimited":0,"remaining":{"BBB222":12},"month":%q}`, dayOf(now), monthOf(now))
	if err := os.WriteFile(filepath.Join(dir, "quota-"+sanitise(fp)+".json"), []byte(ledger), 0o600); err != nil {
		t.Fatal(err)
	}

	writeOld(t, draftFile(dir, fp, "AAA111"), Draft{DeviceID: "AAA111", SavedAt: now, Changes: []Change{{Key: "interval", Old: json.Number("60"), New: json.Number("250")}}})
	os.WriteFile(draftFile(dir, fp, "CCC333"), []byte(`{"deviceid":"CCC333","chan`), 0o600)

	devs := []api.Device{{DeviceID: "AAA111"}, {DeviceID: "BBB222"}, {DeviceID: "CCC333"}}
	job := NewBulkJob(nil, fp, "acme", []Change{{Key: "interval", New: json.Number("250")}}, devs, now)
	job.Items[2].Changes = []Change{{Key: "interval", New: "250"}}
	jobFile := filepath.Join(jobsDir(dir, fp), job.ID+".json")
	writeOld(t, jobFile, job)
	// the console stopped while writing a line
	appendTo(t, oldJournal(jobFile), `{"i":0,"deviceid":"AAA111","status":"sending"}`+"\n"+`{"i":0,"deviceid":"AAA111","status":"queued"}`+"\n"+`{"i":1,"deviceid":"BBB2`)

	// a journal damaged before its end: device 1's sending mark may be lost
	job2 := NewBulkJob(nil, fp, "acme", nil, devs, now.Add(time.Second))
	job2File := filepath.Join(jobsDir(dir, fp), job2.ID+".json")
	writeOld(t, job2File, job2)
	appendTo(t, oldJournal(job2File), `{"i":0,"deviceid":"AAA111","status":"applied"}`+"\n"+`garbage`+"\n"+`{"i":2,"deviceid":"CCC333","status":"failed","message":"refused"}`+"\n")
	os.WriteFile(filepath.Join(jobsDir(dir, fp), "20260101-000000.000.json"), []byte("{not json"), 0o600)

	appendTo(t, filepath.Join(dir, "audit.log"), strings.Join([]string{
		`2026-12-04T11:00:00Z profile=acme device=AAA111 op="update config" status=202 outcome="taken" message=""`,
		`    - interval 60`,
		`    + interval 250`,
		`this line is not an entry`,
		`2026-12-04T11:05:00Z profile=acme device=AAA111 op="load file" status=200 outcome="taken" message="ok" file=ca.pem bytes=1200`,
		`2026-12-04T11:06:00Z profile=beta device=BBB222 op="update config" settled="applied" message="read back: the device has the new values, the write went through"`,
	}, "\n")+"\n")
}

// writeOld writes v as an earlier sqc wrote its JSON files.
func writeOld(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeAtomic(path, b); err != nil {
		t.Fatal(err)
	}
}

func oldJournal(jobFile string) string { return strings.TrimSuffix(jobFile, ".json") + ".log" }

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(s)
	f.Close()
}

// Every old file is read into the database once and renamed to say so;
// what cannot be read is set aside and reported, never deleted.
func TestImportOldFilesOnceAndKeepEverything(t *testing.T) {
	ctx := context.Background()
	dir, fp := t.TempDir(), "fp-1"
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	oldFiles(t, dir, fp, now)
	db, err := store.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := ImportOldFiles(ctx, db, dir, fp, now, nil)
	if err != nil {
		t.Fatal(err)
	}

	// cache: devices and the latest message with its summary
	got := map[string]store.Latest{}
	db.Restore(ctx, func(l store.Latest) error {
		l.Device, l.Summary = append([]byte(nil), l.Device...), append([]byte(nil), l.Summary...)
		got[l.ID] = l
		return nil
	})
	if len(got) != 2 || !strings.Contains(string(got["AAA111"].Device), `"pump"`) || !got["AAA111"].TS.Equal(now.Add(-time.Minute)) {
		t.Errorf("devices: %+v", got)
	}
	if lv, reason, ok := decodeSummary(got["AAA111"].Summary); !ok || lv != 30 || !strings.Contains(reason, "level 30") {
		t.Errorf("summary %d %q %v", lv, reason, ok)
	}
	if m, ok, _ := db.LatestMessage(ctx, "AAA111"); !ok || !strings.Contains(string(m.JSON), `"vin":24.5`) {
		t.Errorf("latest message %q", m.JSON)
	}
	// ledger
	if u, _ := db.Usage(ctx, fp, now); u.Used != 3 {
		t.Errorf("ledger usage %+v, want 3", u)
	}
	if r, _ := db.Remaining(ctx, now); r["BBB222"].Remaining != 12 {
		t.Errorf("remaining %+v", r)
	}
	// drafts: the good one in, the damaged one set aside
	if d, ok, _ := db.Draft(ctx, fp, "AAA111"); !ok || !strings.Contains(string(d.Changes), `"new":250`) {
		t.Errorf("draft %s %v", d.Changes, ok)
	}
	// jobs: a cut last line forgiven; a damaged middle line stops the job;
	// the unreadable job does not hide the others
	ids, _ := db.Jobs(ctx, fp)
	if len(ids) != 2 {
		t.Fatalf("jobs %v", ids)
	}
	j1, _, _ := db.Job(ctx, ids[0])
	if j1.Cancelled || j1.Items[0].Status != "queued" || j1.Items[1].Status != "pending" || j1.Items[0].Changes != nil || !strings.Contains(string(j1.Items[2].Changes), `"new":"250"`) {
		t.Errorf("job 1 %+v", j1)
	}
	j2, _, _ := db.Job(ctx, ids[1])
	if !j2.Cancelled || j2.Items[0].Status != "applied" || j2.Items[1].Status != "pending" || j2.Items[2].Message != "refused" {
		t.Errorf("job 2 %+v", j2)
	}
	// audit: every profile's entries with their detail, the bad line reported
	log, _ := db.AuditLog(ctx, store.AuditQuery{})
	if len(log) != 3 || log[0].Detail != "- interval 60\n+ interval 250\n" || log[1].Detail != `file="ca.pem" bytes="1200"`+"\n" ||
		log[2].Profile != "beta" || log[2].Outcome != "applied" || log[0].Status != 202 {
		t.Errorf("audit %+v", log)
	}

	for _, f := range []string{CachePath(dir, fp), filepath.Join(dir, "quota-fp-1.json"), draftFile(dir, fp, "AAA111"), filepath.Join(dir, "audit.log")} {
		if exists(f) || !exists(f+ImportedSuffix) {
			t.Errorf("%s not renamed to %s", f, ImportedSuffix)
		}
	}
	for _, f := range []string{draftFile(dir, fp, "CCC333"), filepath.Join(jobsDir(dir, fp), "20260101-000000.000.json")} {
		if !exists(f + DamagedSuffix) {
			t.Errorf("%s not set aside", f)
		}
	}
	all := strings.Join(rep.SetAside, "\n")
	for _, want := range []string{"ccc333.json could not be read", "20260101-000000.000.json could not be read", "lines [4] could not be read", ".log lines [2] could not be read", ".log lines [4] could not be read"} {
		if !strings.Contains(all, want) {
			t.Errorf("report lacks %q:\n%s", want, all)
		}
	}
	if len(rep.Imported) != 6 {
		t.Errorf("imported %d files:\n%s", len(rep.Imported), strings.Join(rep.Imported, "\n"))
	}

	// a crash after the import but before the rename: the file is seen
	// again, and nothing is counted twice
	os.Rename(filepath.Join(dir, "quota-fp-1.json.imported"), filepath.Join(dir, "quota-fp-1.json"))
	if _, err := ImportOldFiles(ctx, db, dir, fp, now, nil); err != nil {
		t.Fatal(err)
	}
	if u, _ := db.Usage(ctx, fp, now); u.Used != 3 {
		t.Errorf("ledger counted twice: %+v", u)
	}
	if exists(filepath.Join(dir, "quota-fp-1.json")) {
		t.Error("the imported ledger was not renamed on the second start")
	}
}

// A cache or ledger that is garbage is set aside with a line that names
// it, and the rest is imported.
func TestImportSetsAsideAGarbageCacheAndLedger(t *testing.T) {
	ctx := context.Background()
	dir, fp := t.TempDir(), "fp-2"
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	os.WriteFile(CachePath(dir, fp), []byte("\x1f\x8b garbage"), 0o600)
	os.WriteFile(filepath.Join(dir, "quota-fp-2.json"), []byte(`{"day":"2026-12-04","used":4`), 0o600)
	db, _ := store.OpenMemory()
	defer db.Close()
	rep, err := ImportOldFiles(ctx, db, dir, fp, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.SetAside) != 2 || !exists(CachePath(dir, fp)+DamagedSuffix) || !exists(filepath.Join(dir, "quota-fp-2.json"+DamagedSuffix)) {
		t.Fatalf("report %v", rep.SetAside)
	}
}
