package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"sqc/api"
)

// Audit is the log of every write and its outcome, in the state
// directory: what a support engineer pastes into a ticket. It never holds
// the key, nor a setup password, nor a file's bytes.
type Audit struct {
	mu   sync.Mutex
	path string
}

// OpenAudit keeps the audit log in dir; "" keeps none.
func OpenAudit(dir string) *Audit {
	if dir == "" {
		return nil
	}
	return &Audit{path: filepath.Join(dir, "audit.log")}
}

// Path is where the log is.
func (a *Audit) Path() string {
	if a == nil {
		return ""
	}
	return a.path
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
	fmt.Fprintf(&b, "%s profile=%s device=%s op=%q status=%d outcome=%q message=%q", at.UTC().Format(time.RFC3339), profile, w.Device.DeviceID, w.Op, status, api.WriteOutcome(err).String(), api.Clean(msg))
	switch w.Op {
	case api.OpUpdateConfig:
		b.WriteString("\n")
		for _, l := range DiffLines(w.Changes) {
			b.WriteString("    " + l + "\n")
		}
	case api.OpLoadFile:
		fmt.Fprintf(&b, " file=%s bytes=%d\n", w.FileName, len(w.File))
	case api.OpAddUser:
		fmt.Fprintf(&b, " groupid=%q groupName=%q setupPassword=%v\n", w.User.GroupID, api.Clean(w.User.GroupName), w.User.SetupPassword != "")
	default:
		b.WriteString("\n")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(a.path), 0o700); err != nil {
		return err
	}
	f, ferr := os.OpenFile(a.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if ferr != nil {
		return ferr
	}
	_, werr := f.WriteString(b.String())
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}
