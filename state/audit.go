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
	return a.appendLine(b.String())
}

// Settled appends what a read-back proved about a write whose outcome
// was unknown (the line before it for the device): it went through, or
// the device is synced without it and nothing of it waits.
func (a *Audit) Settled(at time.Time, profile, deviceID string, op api.Op, says ReadBackSays) error {
	if a == nil || says == ReadBackWait {
		return nil
	}
	settled, how := "applied", "read back: the device has the new values, the write went through"
	if says == ReadBackNotTaken {
		settled, how = "not applied", "read back: the device is synced without the new values, the write did not happen"
	}
	return a.appendLine(fmt.Sprintf("%s profile=%s device=%s op=%q settled=%q message=%q\n",
		at.UTC().Format(time.RFC3339), profile, deviceID, op, settled, how))
}

func (a *Audit) appendLine(line string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(a.path), 0o700); err != nil {
		return err
	}
	f, ferr := os.OpenFile(a.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if ferr != nil {
		return ferr
	}
	_, werr := f.WriteString(line)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}
