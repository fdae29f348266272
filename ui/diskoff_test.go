package ui

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // a second handle on the console's database, to hold it

	"sqc/keys"
	"sqc/state/store"
)

// holdDB takes the write lock of the console's database from another
// handle, as another sqc writing would; release gives it back.
func holdDB(t *testing.T, dir string) (release func()) {
	t.Helper()
	// it waits for a write of the console's engine under way, as sqc does
	db, err := sql.Open("sqlite", "file:"+store.Path(dir, "acme", keys.Fingerprint(uiKey))+"?_pragma=busy_timeout(20000)")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	done := false
	release = func() {
		if done {
			return
		}
		done = true
		conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
		db.Close()
	}
	t.Cleanup(release)
	return release
}

// A bulk step whose "sending" mark waits for the disk (the database held
// by another process) does not hold the console: keys are taken and the
// screen drawn meanwhile, and no write leaves before its mark is on the
// disk. Once the database is free the change goes out as usual.
func TestBulkStepWaitingForTheDiskLeavesTheConsoleWorking(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := start(t, setup{devices: 5, hosted: 1, cfg: func(c *Config) { c.StateDir = dir }})
	h.markAllByPlan(t, 5)
	h.key("c")
	h.scr.waitText(t, "values are typed by")
	h.key("+")
	h.key("ambient.alarm = 65")
	h.key("enter")
	h.scr.waitText(t, "+ ambient.alarm 65")
	h.key("w")
	h.scr.waitText(t, "Send to 5 devices?")
	release := holdDB(t, dir)
	h.key("y")
	h.key("?") // taken while the job's first save waits for the lock
	h.scr.waitText(t, "Keys · lines 1-")
	if n := len(h.patches(false)); n != 0 {
		t.Fatalf("%d writes left before their mark was on the disk", n)
	}
	release()
	h.key("esc")
	h.scr.waitFor(t, "the change sent once the database was free", func(v string) bool {
		return strings.Contains(v, "done: 5 queued") || strings.Contains(v, "could not be saved")
	})
	if v := h.scr.String(); strings.Contains(v, "could not be saved") {
		t.Fatalf("the save gave up while the console was taking keys:\n%s", v)
	}
	for id, n := range h.patches(false) {
		if n != 1 {
			t.Fatalf("%s written %d times", id, n)
		}
	}
	h.quit(t)
}
