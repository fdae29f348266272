package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations take a database from version i to i+1 (PRAGMA user_version);
// a database is brought to the last at every open. Never edit a step that
// has shipped: add one.
var migrations = []string{
	// 0 → 1: every table.
	`
CREATE TABLE devices (
	id         TEXT PRIMARY KEY,
	device     BLOB,              -- the device as listed (JSON)
	ts         INTEGER,           -- its latest message's time, Unix ms
	fetched    INTEGER,           -- when that was read, Unix ms
	summary    BLOB               -- what the list shows of it, as the caller encodes it
);

-- Every message, once, the latest included: a fold appends here (a
-- rowid table grows at its end) and touches only the small row of its
-- device. Rows of kilobytes want a rowid table, the key an index.
CREATE TABLE history (
	device TEXT    NOT NULL,
	ts     INTEGER NOT NULL,      -- Unix ms
	msg    BLOB    NOT NULL
);
CREATE UNIQUE INDEX history_key ON history (device, ts);
CREATE INDEX history_ts ON history (ts);

CREATE TABLE ledger_day (
	key          TEXT    NOT NULL,  -- the API key's fingerprint
	day          TEXT    NOT NULL,  -- UTC, 2006-01-02
	used         INTEGER NOT NULL DEFAULT 0,
	rate_limited INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (key, day)
) WITHOUT ROWID;

CREATE TABLE ledger_device (
	device    TEXT    NOT NULL,
	month     TEXT    NOT NULL,     -- UTC, 2006-01
	calls     INTEGER NOT NULL DEFAULT 0,
	remaining INTEGER,              -- the lowest apiRequestsRemaining seen
	PRIMARY KEY (device, month)
) WITHOUT ROWID;

CREATE TABLE drafts (
	key      TEXT    NOT NULL,
	device   TEXT    NOT NULL,
	saved_at INTEGER NOT NULL,
	changes  BLOB    NOT NULL,
	PRIMARY KEY (key, device)
) WITHOUT ROWID;

CREATE TABLE jobs (
	id        TEXT PRIMARY KEY,
	key       TEXT    NOT NULL,
	profile   TEXT    NOT NULL,
	created   INTEGER NOT NULL,
	changes   BLOB    NOT NULL,
	cancelled INTEGER NOT NULL DEFAULT 0,
	settled   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE job_items (
	job     TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	i       INTEGER NOT NULL,
	device  TEXT    NOT NULL,
	name    TEXT    NOT NULL,
	plan    TEXT    NOT NULL,
	status  TEXT    NOT NULL,
	message TEXT    NOT NULL DEFAULT '',
	at      INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (job, i)
) WITHOUT ROWID;

CREATE TABLE audit (
	seq     INTEGER PRIMARY KEY AUTOINCREMENT,
	at      INTEGER NOT NULL,     -- Unix ms
	profile TEXT    NOT NULL,
	device  TEXT    NOT NULL,
	op      TEXT    NOT NULL,
	status  INTEGER NOT NULL,
	outcome TEXT    NOT NULL,
	message TEXT    NOT NULL,
	detail  TEXT    NOT NULL
);
CREATE INDEX audit_device ON audit (device, at);
CREATE INDEX audit_at ON audit (at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
	BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
	BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Old files imported, by name, so that each is read once.
CREATE TABLE imported (
	file TEXT PRIMARY KEY,
	at   INTEGER NOT NULL,
	note TEXT    NOT NULL
) WITHOUT ROWID;
`,
	// 1 → 2: a device of a job may get changes of its own (the command
	// line types each device's values by its own config); NULL is the
	// job's.
	`ALTER TABLE job_items ADD COLUMN changes BLOB;`,
	// 2 → 3: what a console keeps of itself between runs (the device it
	// had open, when the list was last read), by name.
	`
CREATE TABLE settings (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
) WITHOUT ROWID;
`,
	// 3 → 4: the spans of a device's history known complete, so that a
	// range already fetched is never asked for again.
	`
CREATE TABLE history_spans (
	device  TEXT    NOT NULL,
	from_ms INTEGER NOT NULL,
	to_ms   INTEGER NOT NULL,
	PRIMARY KEY (device, from_ms)
) WITHOUT ROWID;
`,
	// the inbox: every change of a device's state and new alert, kept
	// once whoever saw it (device, time, to, event), with who
	// acknowledged it.
	`
CREATE TABLE inbox (
	device   TEXT    NOT NULL,
	at       INTEGER NOT NULL,    -- Unix ms
	to_state INTEGER NOT NULL,
	event    INTEGER NOT NULL,
	name     TEXT    NOT NULL,
	from_state INTEGER NOT NULL,
	text     TEXT    NOT NULL,
	ack_at   INTEGER,             -- Unix ms; NULL until acknowledged
	ack_by   TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (device, at, to_state, event)
) WITHOUT ROWID;
CREATE INDEX inbox_at ON inbox (at);
`,
	// who made each write (the name of the console that sent it:
	// the OS user, or an engineer's name on a shared console); entries
	// from before are nobody's ("").
	`ALTER TABLE audit ADD COLUMN who TEXT NOT NULL DEFAULT '';`,
}

// Version is the schema version this sqc writes.
var Version = len(migrations)

// migrate brings the database to Version, each step in one transaction
// (SQLite's DDL is transactional), so a crash mid-way leaves the last
// version whole.
func (s *SQLite) migrate(ctx context.Context) error {
	return s.migrateTo(ctx, Version)
}

func (s *SQLite) migrateTo(ctx context.Context, target int) error {
	for {
		done, err := s.step(ctx, target)
		if err != nil || done {
			return err
		}
	}
}

func (s *SQLite) step(ctx context.Context, target int) (done bool, err error) {
	err = s.tx(ctx, false, func(tx *sql.Tx) error {
		var v int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			return err
		}
		switch {
		case v > len(migrations):
			return fmt.Errorf("schema version %d is %w (this one knows up to %d): update sqc, or use another state folder", v, ErrNewer, len(migrations))
		case v >= target:
			done = true
			return nil
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("schema %d → %d: %w", v, v+1, err)
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1))
		return err
	})
	return done, err
}

// SchemaVersion is the database's schema version.
func (s *SQLite) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.write.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// tx runs fn in one write transaction (BEGIN IMMEDIATE: it takes the
// write lock at once, so it waits on the busy timeout at the start rather
// than failing at its first write). durable ones are synchronous=FULL:
// committed means on the disk, for what would be a lie if a power cut
// took it back (a ledger count, a journal line, an audit line).
func (s *SQLite) tx(ctx context.Context, durable bool, fn func(*sql.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.path != "" && durable != s.durable {
		mode := "NORMAL"
		if durable {
			mode = "FULL"
		}
		if _, err := s.write.ExecContext(ctx, "PRAGMA synchronous = "+mode); err != nil {
			return err
		}
		s.durable = durable
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// wrap explains a failed write for the user.
func (s *SQLite) wrap(verb string, err error) error {
	if err == nil {
		return nil
	}
	switch sqliteCode(err) {
	case codeBusy, codeLocked, codeReadOnly, codeCantOpen, codeFull, codeIOErr, codeCorrupt, codeNotADB:
		return explain(s.name(), verb, err, s.busy)
	}
	return fmt.Errorf("%s: %w", verb, err)
}

func (s *SQLite) name() string {
	if s.path == "" {
		return "the in-memory database"
	}
	return s.path
}
