package store

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A database from before writes were named opens, its audit entries kept
// as nobody's, and the entries written after it carry their name.
func TestAuditOfAnOldDatabaseMigratesWithNoName(t *testing.T) {
	before := -1
	for i, m := range migrations {
		if strings.Contains(m, "ADD COLUMN who") {
			before = i
		}
	}
	if before < 0 {
		t.Fatal("no migration adds the audit's who")
	}
	path := filepath.Join(t.TempDir(), "old.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	raw := &SQLite{write: db, read: db}
	if err := raw.migrateTo(ctx, before); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO audit (at, profile, device, op, status, outcome, message, detail) VALUES (?, 'acme', 'A', 'update config', 202, 'taken', '', '')`, ms(t0)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, _, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Audit(ctx, AuditEntry{At: t0.Add(1e9), Profile: "acme", Device: "A", Op: "update config", Outcome: "taken", Who: "alice@laptop"}); err != nil {
		t.Fatal(err)
	}
	log, err := s.AuditLog(ctx, AuditQuery{})
	if err != nil || len(log) != 2 {
		t.Fatalf("audit log %+v %v", log, err)
	}
	if log[0].Who != "" || log[0].Status != 202 || log[1].Who != "alice@laptop" {
		t.Fatalf("who after the migration: %q then %q, want \"\" then alice@laptop", log[0].Who, log[1].Who)
	}
}
