package state

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"sqc/state/store"
)

// wiredParts are the old files whose readers now use the database: they
// are imported when a database is opened. A kind joins this set in the
// commit that moves its reader onto the store.
const wiredParts = PartDrafts | PartJobs | PartLedger | PartAudit

// DB is a profile and key's database, shared by everything in the
// process that uses it: a console, its engine, a command. Open it with
// OpenDB and give it back with Close.
type DB struct {
	store.Store
	path string
	refs int // under dbs.mu
	// Notes are what opening did that the user should hear of: files set
	// aside, old files imported. Said once, by whoever opened it first.
	Notes []string
}

var dbs = struct {
	sync.Mutex
	open map[string]*DB
}{open: map[string]*DB{}}

// OpenDB opens (or shares, when this process has it open already) the
// database of one profile and key in dir, importing the old files of the
// kinds that live in it now. With dir "" the database is in memory and
// private to the caller. An error says what was wrong and what to do; the
// caller runs on without a database rather than not at all.
func OpenDB(dir, profile, fingerprint string, now time.Time, log *slog.Logger) (*DB, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if dir == "" {
		s, err := store.OpenMemory()
		if err != nil {
			return nil, err
		}
		return &DB{Store: s, refs: 1}, nil
	}
	path := store.Path(dir, profile, fingerprint)
	dbs.Lock()
	defer dbs.Unlock()
	if d := dbs.open[path]; d != nil {
		d.refs++
		return d, nil
	}
	s, rep, err := store.Open(path, store.Options{})
	if err != nil {
		log.Warn("state: database could not be opened", "path", path, "err", err)
		return nil, err
	}
	d := &DB{Store: s, path: path, refs: 1}
	for _, a := range rep.SetAside {
		d.Notes = append(d.Notes, "set aside "+a)
		log.Warn("state: damaged database set aside", "file", a)
	}
	imp, err := importParts(context.Background(), s, dir, fingerprint, now, log, wiredParts)
	d.Notes = append(d.Notes, imp.SetAside...)
	if err != nil {
		d.Notes = append(d.Notes, "old files not all imported: "+err.Error())
		log.Warn("state: old files not all imported", "err", err)
	}
	dbs.open[path] = d
	return d, nil
}

// Close gives the database back; the last holder in the process closes it.
func (d *DB) Close() error {
	if d == nil {
		return nil
	}
	dbs.Lock()
	defer dbs.Unlock()
	if d.refs--; d.refs > 0 {
		return nil
	}
	if dbs.open[d.path] == d {
		delete(dbs.open, d.path)
	}
	return d.Store.Close()
}
