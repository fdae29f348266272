package state

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"sqc/api"
	"sqc/state/store"
)

// Audit is the log of every write and its outcome, in the profile's
// database (append-only, each entry on the disk before Record returns):
// what a support engineer pastes into a ticket (sqc audit). It never
// holds the key, nor a setup password, nor a file's bytes.
type Audit struct {
	db  store.Store
	log *slog.Logger
	mu  sync.Mutex
	// waiting are entries the database did not take (locked past its busy
	// timeout, a full disk): each is written, in order, before the next.
	waiting []store.AuditEntry
}

// auditWait bounds one append; maxAuditWaiting bounds the entries kept
// in memory for a database that does not come back (each is in the debug
// log too).
const (
	auditWait       = 10 * time.Second
	maxAuditWaiting = 1000
)

// OpenAudit keeps the audit log in db; nil keeps none. log (nil
// discards) gets an entry the database could not take.
func OpenAudit(db store.Store, log *slog.Logger) *Audit {
	if db == nil {
		return nil
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Audit{db: db, log: log}
}

// Record appends one write: time, profile, device, what, status, its
// outcome (taken, refused, not sent, unknown: api.WriteOutcome), the
// server's message, and the diff of a config change.
func (a *Audit) Record(at time.Time, profile string, w Write, res api.Result, err error) error {
	if a == nil {
		return nil
	}
	status, msg := res.Status, res.Message
	var e *api.Error
	switch {
	case errors.As(err, &e):
		status, msg = e.Status, e.Message
		if e.Status == 0 && e.Err != nil {
			msg = e.Err.Error()
		}
	case err != nil:
		msg = err.Error()
	}
	var b strings.Builder
	switch w.Op {
	case api.OpUpdateConfig:
		for _, l := range DiffLines(w.Changes) {
			b.WriteString(l + "\n")
		}
	case api.OpLoadFile:
		fmt.Fprintf(&b, "file=%q bytes=%d\n", w.FileName, len(w.File))
	case api.OpAddUser:
		fmt.Fprintf(&b, "groupid=%q groupName=%q setupPassword=%v\n", w.User.GroupID, api.Clean(w.User.GroupName), w.User.SetupPassword != "")
	}
	who := w.Who
	if who == "" {
		who = LocalName()
	}
	return a.append(store.AuditEntry{At: at.UTC(), Profile: profile, Device: w.Device.DeviceID, Op: string(w.Op), Status: status,
		Outcome: api.WriteOutcome(err).String(), Message: api.Clean(msg), Detail: b.String(), Who: api.Clean(who)})
}

// Settled appends what a read-back proved about a write whose outcome
// was unknown (the entry before it for the device): it went through, or
// the device is synced without it and nothing of it waits.
func (a *Audit) Settled(at time.Time, profile, who, deviceID string, op api.Op, says ReadBackSays) error {
	if a == nil || says == ReadBackWait {
		return nil
	}
	settled, how := "applied", "read back: the device has the new values, the write went through"
	if says == ReadBackNotTaken {
		settled, how = "not applied", "read back: the device is synced without the new values, the write did not happen"
	}
	return a.append(store.AuditEntry{At: at.UTC(), Profile: profile, Who: who, Device: deviceID, Op: string(op), Outcome: settled, Message: how})
}

// append writes the entries waiting, then e, in order. An entry the
// database does not take waits for the next append, and is in the debug
// log meanwhile, so that a lock or a full disk loses no line.
func (a *Audit) append(e store.AuditEntry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.waiting = append(a.waiting, e)
	for len(a.waiting) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), auditWait)
		err := a.db.Audit(ctx, a.waiting[0])
		cancel()
		if err != nil {
			a.log.Warn("audit: entry not written, kept to write with the next", "at", e.At, "profile", e.Profile, "device", e.Device,
				"op", e.Op, "status", e.Status, "outcome", e.Outcome, "message", e.Message, "detail", e.Detail, "err", err)
			if n := len(a.waiting) - maxAuditWaiting; n > 0 {
				a.waiting = append(a.waiting[:0], a.waiting[n:]...)
			}
			return fmt.Errorf("%w (%d audit entries kept in memory, written with the next write)", err, len(a.waiting))
		}
		a.waiting = a.waiting[1:]
	}
	a.waiting = nil
	return nil
}

// LocalName is the name a write made on this machine is audited under:
// the OS user's login name, else $USER, else "local". Looked up once: a
// directory lookup (NSS, LDAP) per write would stall a send.
var LocalName = sync.OnceValue(func() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if n := os.Getenv("USER"); n != "" {
		return n
	}
	return "local"
})

// HasOldLedgerOrAudit reports whether dir holds a quota ledger or audit
// log an earlier sqc kept in files, that opening the database imports.
func HasOldLedgerOrAudit(dir, fingerprint string) bool {
	return exists(filepath.Join(dir, "quota-"+sanitise(fingerprint)+".json")) || exists(filepath.Join(dir, "audit.log"))
}
