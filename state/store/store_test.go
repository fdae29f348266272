package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var ctx = context.Background()

var t0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func msg(id string, at time.Time, v int) Message {
	return Message{DeviceID: id, TS: at, Fetched: at.Add(time.Second), JSON: fmt.Appendf(nil, `{"deviceid":%q,"ts":%d,"v":%d}`, id, at.Unix(), v), Summary: fmt.Appendf(nil, "v%d", v)}
}

// The database file and its folder are private to the user, it is in WAL
// mode, and a second open finds the schema it left.
func TestOpenMakesAPrivateWALDatabase(t *testing.T) {
	s, path := openTemp(t)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("database mode %04o, want 0600", st.Mode().Perm())
	}
	if dst, _ := os.Stat(filepath.Dir(path)); dst.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %04o, want 0700", dst.Mode().Perm())
	}
	var mode string
	if err := s.write.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal mode %q %v, want wal", mode, err)
	}
	if err := s.Fold(ctx, []Message{msg("A", t0, 1)}); err != nil {
		t.Fatal(err)
	}
	if wal, err := os.Stat(path + "-wal"); err != nil || wal.Mode().Perm() != 0o600 {
		t.Errorf("WAL file: %v %v", wal, err)
	}
	s.Close()
	s2, rep, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if rep.Created || len(rep.SetAside) != 0 {
		t.Errorf("reopen reported %+v", rep)
	}
	if h, _ := s2.History(ctx, "A", t0, t0); len(h) != 1 {
		t.Errorf("reopened database lost the message: %v", h)
	}
}

// An empty file (what SQLite calls version 0) is brought to the current
// schema, with every table; a database written by a newer sqc is refused
// with a message, not changed.
func TestMigrationsFromEveryEarlierVersion(t *testing.T) {
	for from := 0; from < Version; from++ {
		t.Run(fmt.Sprint(from), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "old.db")
			old, _, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			// rebuild the file as version from left it
			old.Close()
			os.Remove(path)
			os.WriteFile(path, nil, 0o600)
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			raw := &SQLite{write: db, read: db}
			if err := raw.migrateTo(ctx, from); err != nil {
				t.Fatal(err)
			}
			db.Close()
			s, _, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if v, _ := s.SchemaVersion(ctx); v != Version {
				t.Fatalf("version %d after open, want %d", v, Version)
			}
			for _, table := range []string{"devices", "history", "ledger_day", "ledger_device", "drafts", "jobs", "job_items", "audit", "imported"} {
				if _, err := s.read.Exec("SELECT count(*) FROM " + table); err != nil {
					t.Errorf("table %s: %v", table, err)
				}
			}
		})
	}
}

func TestNewerSchemaIsRefusedAndLeftAlone(t *testing.T) {
	s, path := openTemp(t)
	if _, err := s.write.Exec(fmt.Sprintf("PRAGMA user_version = %d", Version+1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, _, err := Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "newer sqc") || !strings.Contains(err.Error(), "update sqc") {
		t.Fatalf("newer schema: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the newer database was moved: %v", err)
	}
}

// A message is kept once: the newest is the device's latest, the others
// are history, a repeat is ignored, and Restore gives the latest.
func TestFoldKeepsLatestAndHistoryOnce(t *testing.T) {
	s, _ := openTemp(t)
	if err := s.PutDevices(ctx, []Device{{ID: "A", JSON: []byte(`{"deviceid":"A"}`)}, {ID: "B", JSON: []byte(`{"deviceid":"B"}`)}}); err != nil {
		t.Fatal(err)
	}
	batch := []Message{msg("A", t0, 1), msg("A", t0.Add(30*time.Second), 2), msg("A", t0, 1), msg("A", t0.Add(-30*time.Second), 0), msg("A", t0.Add(30*time.Second), 2)}
	if err := s.Fold(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if err := s.Fold(ctx, batch); err != nil {
		t.Fatal(err)
	}
	h, err := s.History(ctx, "A", t0.Add(-time.Hour), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 || !h[0].TS.Equal(t0.Add(-30*time.Second)) || !h[2].TS.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("history: %v", h)
	}
	var rows int
	s.read.QueryRow("SELECT count(*) FROM history").Scan(&rows)
	if rows != 3 {
		t.Errorf("history table holds %d rows, want 3", rows)
	}
	got := map[string]string{}
	err = s.Restore(ctx, func(l Latest) error {
		got[l.ID] = fmt.Sprintf("%s|%s|%d", l.Device, l.Summary, l.TS.Unix())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got["A"] != fmt.Sprintf(`{"deviceid":"A"}|v2|%d`, t0.Add(30*time.Second).Unix()) || got["B"] != `{"deviceid":"B"}||-62135596800` {
		t.Errorf("restore: %v", got)
	}
	// listing again keeps the message
	s.PutDevices(ctx, []Device{{ID: "A", JSON: []byte(`{"deviceid":"A","name":"x"}`)}})
	m, ok, err := s.LatestMessage(ctx, "A")
	if err != nil || !ok || string(m.JSON) != string(msg("A", t0.Add(30*time.Second), 2).JSON) || string(m.Summary) != "v2" {
		t.Errorf("listing the device again lost its latest message: %q %v %v", m.JSON, ok, err)
	}
	if _, ok, _ := s.LatestMessage(ctx, "B"); ok {
		t.Error("a device never read has a latest message")
	}
}

// Pruning drops history older than the span, then the oldest beyond the
// cap; a device's latest message stays however old.
func TestPruneKeepsSpanCapAndLatest(t *testing.T) {
	s, _ := openTemp(t)
	var batch []Message
	for i := range 100 { // one a day, 100 days back
		batch = append(batch, msg("A", t0.Add(-time.Duration(i)*24*time.Hour), i))
	}
	batch = append(batch, msg("OLD", t0.Add(-90*24*time.Hour), 0))
	if err := s.Fold(ctx, batch); err != nil {
		t.Fatal(err)
	}
	n, err := s.Prune(ctx, t0, Retention{Span: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if n != 69 { // days 31..99 go; day 0 is the latest
		t.Errorf("pruned %d, want 69", n)
	}
	h, _ := s.History(ctx, "A", t0.Add(-200*24*time.Hour), t0)
	if len(h) != 31 {
		t.Errorf("kept %d of A, want 31", len(h))
	}
	if h, _ := s.History(ctx, "OLD", time.Time{}, t0); len(h) != 1 {
		t.Errorf("the latest of a quiet device was pruned: %v", h)
	}
	if _, err := s.Prune(ctx, t0, Retention{MaxRows: 10}); err != nil {
		t.Fatal(err)
	}
	h, _ = s.History(ctx, "A", t0.Add(-200*24*time.Hour), t0)
	if len(h) != 11 || !h[0].TS.Equal(t0.Add(-10*24*time.Hour)) {
		t.Errorf("after the cap: %d messages from %v, want 11 from 10 days back", len(h), h[0].TS)
	}
}

// Two handles on one file counting at once add up exactly; remaining
// keeps the lowest of the month.
//
// The handles wait for each other as long as it takes: what is tested is
// that the counts add up, and a loaded machine can starve one handle of
// the write lock for longer than the busy timeout a console uses.
func TestLedgerTwoHandlesAddUpExactly(t *testing.T) {
	_, path := openTemp(t)
	patient := Options{BusyTimeout: 2 * time.Minute}
	a, _, err := Open(path, patient)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, _, err := Open(path, patient)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, 4*n)
	for _, s := range []*SQLite{a, b, a, b} {
		wg.Go(func() {
			for i := range n {
				rem := 40 - i%30
				c := Calls{Key: "k1", At: t0, Sent: 1, DeviceID: "DEV1", Remaining: &rem}
				if i%50 == 0 {
					c.RateLimited = 1
				}
				errs <- s.Count(ctx, c)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	u, err := b.Usage(ctx, "k1", t0)
	if err != nil {
		t.Fatal(err)
	}
	if u.Used != 4*n || u.RateLimited != 4*4 {
		t.Fatalf("usage %+v, want %d used and 16 rate-limited", u, 4*n)
	}
	if u, _ := a.Usage(ctx, "k1", t0.Add(24*time.Hour)); u.Used != 0 {
		t.Errorf("the next day starts at %d", u.Used)
	}
	r, _ := a.Remaining(ctx, t0)
	if r["DEV1"] != (DeviceMonth{Calls: 4 * n, Remaining: 11}) {
		t.Errorf("device month %+v", r["DEV1"])
	}
}

// Two processes on one file counting at once add up exactly.
func TestLedgerTwoProcessesAddUpExactly(t *testing.T) {
	s, path := openTemp(t)
	const n = 150
	var cmds []*execResult
	for range 2 {
		cmds = append(cmds, start(t, child(t, "count", path, false, fmt.Sprintf("SQC_STORE_N=%d", n))))
	}
	for i := range n { // and this process too
		if err := s.Count(ctx, Calls{Key: "k1", At: t0, Sent: 1}); err != nil {
			t.Fatal(err)
		}
		_ = i
	}
	for _, c := range cmds {
		if out, err := c.wait(); err != nil {
			t.Fatalf("child: %v: %s", err, out)
		}
	}
	u, _ := s.Usage(ctx, "k1", t0)
	if u.Used != 3*n {
		t.Fatalf("used %d, want %d", u.Used, 3*n)
	}
	r, _ := s.Remaining(ctx, t0)
	if r["DEV1"] != (DeviceMonth{Calls: 2 * n / 10, Remaining: 7}) {
		t.Errorf("device month %+v", r["DEV1"])
	}
}

func TestDraftsJobsAndAudit(t *testing.T) {
	s, _ := openTemp(t)
	ch := json.RawMessage(`[{"key":"a","value":250}]`)
	if err := s.SaveDraft(ctx, Draft{Key: "k1", DeviceID: "A", SavedAt: t0, Changes: ch}); err != nil {
		t.Fatal(err)
	}
	d, ok, err := s.Draft(ctx, "k1", "A")
	if err != nil || !ok || string(d.Changes) != string(ch) || !d.SavedAt.Equal(t0) {
		t.Fatalf("draft %+v %v %v", d, ok, err)
	}
	if ids, _ := s.DraftDevices(ctx, "k2"); len(ids) != 0 {
		t.Errorf("another key sees drafts %v", ids)
	}
	s.SaveDraft(ctx, Draft{Key: "k1", DeviceID: "A", SavedAt: t0})
	if _, ok, _ := s.Draft(ctx, "k1", "A"); ok {
		t.Error("a draft without changes is kept")
	}

	j := Job{ID: "j1", Key: "k1", Profile: "acme", Created: t0, Changes: ch,
		Items: []JobItem{{DeviceID: "A", Status: "pending"}, {DeviceID: "B", Status: "pending"}}}
	if err := s.PutJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	if err := s.Journal(ctx, "j1", []JournalLine{{I: 1, DeviceID: "B", Status: "queued", At: t0}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Journal(ctx, "j1", []JournalLine{{I: 0, DeviceID: "A", Status: "sending"}, {I: 0, DeviceID: "B", Status: "applied"}}); err == nil {
		t.Error("a journal line for the wrong device was kept")
	}
	s.SetJobFlags(ctx, "j1", true, false)
	got, ok, err := s.Job(ctx, "j1")
	if err != nil || !ok || got.Items[0].Status != "pending" || got.Items[1].Status != "queued" || !got.Cancelled {
		t.Fatalf("job %+v %v %v", got, ok, err)
	}

	for i, dev := range []string{"A", "B", "A"} {
		if err := s.Audit(ctx, AuditEntry{At: t0.Add(time.Duration(i) * time.Hour), Profile: "acme", Device: dev, Op: "update config", Outcome: "taken"}); err != nil {
			t.Fatal(err)
		}
	}
	log, _ := s.AuditLog(ctx, AuditQuery{Device: "A", Since: t0.Add(time.Minute)})
	if len(log) != 1 || log[0].Device != "A" || !log[0].At.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("audit query: %+v", log)
	}
	if _, err := s.write.Exec("DELETE FROM audit"); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("audit lines could be deleted: %v", err)
	}
}

// A write that waits longer than the busy timeout on another process's
// write fails with what happened and what to do.
func TestLockedLongerThanBusyTimeoutSaysWhatToDo(t *testing.T) {
	a, path := openTemp(t)
	b, _, err := Open(path, Options{BusyTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	tx, err := a.write.Begin() // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	err = b.Count(ctx, Calls{Key: "k1", At: t0, Sent: 1})
	if err == nil || !strings.Contains(err.Error(), "another program has held it") || !strings.Contains(err.Error(), "close it or wait") {
		t.Fatalf("locked: %v", err)
	}
}

// A database cut short, or not a database at all, is set aside (renamed,
// never deleted) and a new one started, and Open says so.
func TestDamagedDatabaseIsSetAside(t *testing.T) {
	src, path := openTemp(t)
	var batch []Message
	for i := range 2000 {
		batch = append(batch, msg(fmt.Sprintf("DEV%05d", i), t0, i))
	}
	if err := src.Fold(ctx, batch); err != nil {
		t.Fatal(err)
	}
	src.Close()
	whole, _ := os.ReadFile(path)
	if len(whole) < 64<<10 {
		t.Fatalf("test database only %d bytes", len(whole))
	}
	for _, cut := range []int{50, 4096 + 17, len(whole) / 2, len(whole) - 4096} {
		t.Run(fmt.Sprint(cut), func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "sqc.db")
			os.WriteFile(p, whole[:cut], 0o600)
			at := time.Date(2026, 12, 4, 21, 0, 0, 0, time.UTC)
			s, rep, err := Open(p, Options{Now: func() time.Time { return at }})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			aside := p + ".damaged-20261204-210000"
			if len(rep.SetAside) != 1 || !strings.HasPrefix(rep.SetAside[0], aside+" (damaged") || !rep.Created {
				t.Fatalf("report %+v", rep)
			}
			if b, _ := os.ReadFile(aside); len(b) != cut {
				t.Errorf("set-aside copy holds %d bytes, want %d", len(b), cut)
			}
			if err := s.Count(ctx, Calls{Key: "k1", At: t0, Sent: 1}); err != nil {
				t.Errorf("the new database does not take writes: %v", err)
			}
		})
	}
}

// A database whose WAL was deleted opens with what had reached the file.
func TestDeletedWALOpensWithWhatWasCheckpointed(t *testing.T) {
	s, path := openTemp(t)
	s.Fold(ctx, []Message{msg("A", t0, 1)})
	if err := s.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	s.Fold(ctx, []Message{msg("B", t0, 1)})
	// copy the file as a crash would leave it, without its WAL
	b, _ := os.ReadFile(path)
	p := filepath.Join(t.TempDir(), "copy.db")
	os.WriteFile(p, b, 0o600)
	c, rep, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if len(rep.SetAside) != 0 {
		t.Errorf("report %+v", rep)
	}
	if h, _ := c.History(ctx, "A", t0, t0); len(h) != 1 {
		t.Errorf("checkpointed message lost: %v", h)
	}
}

// A folder sqc cannot write gets a message saying so and what to do,
// whether the database is new or was there before.
func TestReadOnlyFolderSaysWhatToDo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	os.MkdirAll(dir, 0o700)
	old := filepath.Join(dir, "old.db")
	s, _, err := Open(old, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	os.Remove(old + "-wal")
	os.Remove(old + "-shm")
	for p := dir; p != "/"; p = filepath.Dir(p) {
		if p == os.TempDir() {
			break
		}
		os.Chmod(p, 0o755)
	}
	os.Chmod(old, 0o644)
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	asNobody := os.Getuid() == 0 // root writes anywhere: ask an ordinary user
	exe := filepath.Join(filepath.Dir(dir), "sqc-store.test")
	if asNobody { // where that user can run it
		b, err := os.ReadFile(os.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(exe, b, 0o755)
	}
	for _, p := range []string{filepath.Join(dir, "new.db"), old} {
		var out string
		if asNobody {
			cmd := child(t, "open", p, true)
			cmd.Path = exe
			b, err := cmd.CombinedOutput()
			out = fmt.Sprint(string(b), err)
		} else {
			s, _, err := Open(p, Options{})
			if err == nil {
				s.Close()
				out = "opened"
			} else {
				out = err.Error()
			}
		}
		t.Log(out)
		if !strings.Contains(out, "read-only") || !strings.Contains(out, "chmod u+w") || !strings.Contains(out, p) {
			t.Errorf("%s in a read-only folder: %s", filepath.Base(p), out)
		}
	}
}

// A disk that fills up fails the write with what to do, and what was
// committed before stays.
func TestFullDiskSaysWhatToDo(t *testing.T) {
	s, _ := openTemp(t)
	if err := s.Count(ctx, Calls{Key: "k1", At: t0, Sent: 1}); err != nil {
		t.Fatal(err)
	}
	var pages int
	s.write.QueryRow("PRAGMA page_count").Scan(&pages)
	// SQLite says the same "database or disk is full" at its page limit
	if _, err := s.write.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
		t.Fatal(err)
	}
	big := make([]Message, 50)
	for i := range big {
		big[i] = Message{DeviceID: "A", TS: t0.Add(time.Duration(i) * time.Second), JSON: make([]byte, 8000)}
	}
	err := s.Fold(ctx, big)
	if err == nil || !strings.Contains(err.Error(), "the disk is full; free some space") {
		t.Fatalf("full disk: %v", err)
	}
	if u, _ := s.Usage(ctx, "k1", t0); u.Used != 1 {
		t.Errorf("the count before the full disk: %+v", u)
	}
}

// A checkpoint empties the write-ahead log, so it cannot grow without
// bound under many processes.
func TestCheckpointTruncatesTheWAL(t *testing.T) {
	s, path := openTemp(t)
	var batch []Message
	for i := range 500 {
		batch = append(batch, msg(fmt.Sprintf("D%04d", i), t0, i))
	}
	s.Fold(ctx, batch)
	if st, err := os.Stat(path + "-wal"); err != nil || st.Size() == 0 {
		t.Fatalf("no WAL to checkpoint: %v", err)
	}
	if err := s.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path + "-wal"); st.Size() != 0 {
		t.Errorf("WAL is %d bytes after the checkpoint", st.Size())
	}
}
