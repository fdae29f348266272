package state

import (
	"context"
	"os"
	"testing"
	"time"

	"sqc/state/store"
)

// Two holders in one process share one database: what one writes the
// other reads, and the file stays open until the last one gives it back.
func TestOpenDBSharesOneDatabasePerProfileAndKey(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)
	a, err := OpenDB(dir, "acme", "fp1", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenDB(dir, "acme", "fp1", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatal("the same profile and key opened two databases in one process")
	}
	ctx := context.Background()
	if err := a.Count(ctx, store.Calls{Key: "fp1", At: now, Sent: 2}); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	u, err := b.Usage(ctx, "fp1", now)
	if err != nil {
		t.Fatalf("the second holder lost the database when the first closed: %v", err)
	}
	if u.Used != 2 {
		t.Fatalf("used = %d, want 2", u.Used)
	}
	b.Close()
	if _, err := os.Stat(store.Path(dir, "acme", "fp1")); err != nil {
		t.Fatal(err)
	}
	c, err := OpenDB(dir, "acme", "fp1", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c == a {
		t.Fatal("a closed database was handed out again")
	}
	if u, _ := c.Usage(ctx, "fp1", now); u.Used != 2 {
		t.Fatalf("after reopening used = %d, want 2", u.Used)
	}
}
