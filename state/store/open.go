package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite", pure Go
)

// SQLite is the Store on an SQLite database file (or in memory).
type SQLite struct {
	path string
	// write is one connection: SQLite has one writer at a time per file,
	// and a pool of writers in one process would only queue on the busy
	// timeout. read is a pool: in WAL mode readers never wait on it.
	write, read *sql.DB
	mu          sync.Mutex // one write transaction at a time, and the sync mode with it
	durable     bool       // the writer's synchronous mode is FULL
	busy        time.Duration
}

// Options tune Open; the zero value is what sqc uses.
type Options struct {
	// BusyTimeout is how long a write waits for another process's write
	// before it fails; 0 is 5 s.
	BusyTimeout time.Duration
	// Now stamps the name of a file set aside; nil is time.Now.
	Now func() time.Time
}

// Report says what Open did besides opening.
type Report struct {
	// SetAside lists files that could not be read as a database and were
	// renamed (never deleted), each with why: what sqc kept is gone from
	// the console, but not from the disk.
	SetAside []string
	Created  bool // the database is new
}

// Path is the database of one profile and key in the state directory.
func Path(stateDir, profile, fingerprint string) string {
	return filepath.Join(stateDir, "sqc-"+safeName(profile)+"-"+safeName(fingerprint)+".db")
}

func safeName(s string) string {
	out := []byte(strings.ToLower(s))
	for i, c := range out {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			out[i] = '-'
		}
	}
	if len(out) == 0 {
		return "default"
	}
	return string(out)
}

var memories atomic.Int64

// OpenMemory opens a private database in memory, gone at Close: for tests
// and for a console told to keep nothing.
func OpenMemory() (*SQLite, error) {
	name := fmt.Sprintf("file:sqc-memory-%d?mode=memory&cache=private&_txlock=immediate&_pragma=foreign_keys(1)", memories.Add(1))
	db, err := sql.Open("sqlite", name)
	if err != nil {
		return nil, err
	}
	// One connection that never closes: the database lives as long as it.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s := &SQLite{write: db, read: db}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Open opens (creating, migrating) the database at path. A file that is
// not a readable database is set aside and a new one started, and Report
// says so; an error means there is no database to use, and says what to do.
func Open(path string, o Options) (*SQLite, Report, error) {
	var rep Report
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, rep, explain(path, "create the folder of", err, o.BusyTimeout)
	}
	switch _, err := os.Stat(path); {
	case errors.Is(err, os.ErrNotExist):
		// Created here, not by SQLite, so that it is private from the start:
		// SQLite gives the WAL and shared-memory files the mode of this one.
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil && !errors.Is(err, os.ErrExist) {
			return nil, rep, explain(path, "create", err, o.BusyTimeout)
		}
		if f != nil {
			f.Close()
			rep.Created = true
		}
	case err != nil:
		return nil, rep, explain(path, "open", err, o.BusyTimeout)
	}
	s, err := openFile(path, o)
	if err == nil {
		return s, rep, nil
	}
	if !isCorrupt(err) {
		return nil, rep, explain(path, "open", err, o.BusyTimeout)
	}
	aside, aerr := setAside(path, o.Now())
	if aerr != nil {
		return nil, rep, fmt.Errorf("%s is damaged (%v) and could not be set aside: %w; move it away by hand and start sqc again", path, err, aerr)
	}
	for _, a := range aside {
		rep.SetAside = append(rep.SetAside, fmt.Sprintf("%s (damaged: %v)", a, errText(err)))
	}
	rep.Created = true
	s, err = openFile(path, o)
	if err != nil {
		return nil, rep, explain(path, "open", err, o.BusyTimeout)
	}
	return s, rep, nil
}

func openFile(path string, o Options) (*SQLite, error) {
	// SQLite's own checkpoint every 1,000 pages syncs the disk every few
	// folds; the owner's Checkpoint does it now and then, and this bound
	// (32 MB of WAL) holds when it does not.
	q := fmt.Sprintf("?_txlock=immediate&_pragma=busy_timeout(%d)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=cache_size(-16384)&_pragma=mmap_size(268435456)&_pragma=wal_autocheckpoint(2048)", o.BusyTimeout.Milliseconds())
	write, err := sql.Open("sqlite", path+q)
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	read, err := sql.Open("sqlite", path+q+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(4)
	read.SetMaxIdleConns(4)
	s := &SQLite{path: path, write: write, read: read, busy: o.BusyTimeout}
	ctx := context.Background()
	// A page holds one message of 2-3 KB at 4 KB, wasting a third of the
	// file; at 16 KB five fit. page_size only takes on a new file, and
	// only before WAL mode is set (which is kept in the file).
	for _, p := range []string{"PRAGMA page_size = 16384", "PRAGMA journal_mode = WAL"} {
		if _, err := write.ExecContext(ctx, p); err != nil {
			s.Close()
			return nil, err
		}
	}
	if err := s.check(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// check reads every page's structure once: a file cut short or damaged
// fails here, at open, rather than halfway through a session.
func (s *SQLite) check(ctx context.Context) error {
	rows, err := s.write.QueryContext(ctx, "PRAGMA quick_check(5)")
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return &corruptError{strings.Join(problems, "; ")}
	}
	return nil
}

type corruptError struct{ what string }

func (e *corruptError) Error() string { return "database disk image is malformed: " + e.what }

// setAside renames the database and its WAL and shared-memory files with
// a suffix saying why and when, and returns the new names.
func setAside(path string, now time.Time) ([]string, error) {
	suffix := ".damaged-" + now.UTC().Format("20060102-150405")
	var moved []string
	for _, ext := range []string{"", "-wal", "-shm"} {
		from := path + ext
		if _, err := os.Stat(from); errors.Is(err, os.ErrNotExist) {
			continue
		}
		to := path + suffix + ext
		if err := os.Rename(from, to); err != nil {
			return moved, err
		}
		moved = append(moved, to)
	}
	return moved, nil
}

// Close closes the database; the last process to close it folds the WAL
// into the file.
func (s *SQLite) Close() error {
	var err error
	if s.read != s.write {
		err = s.read.Close()
	}
	return errors.Join(err, s.write.Close())
}
