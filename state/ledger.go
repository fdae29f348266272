package state

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"time"

	"sqc/api"
)

// Ledger counts this console's use of the account's quota. The server
// sends no usage headers, so the client keeps its own count, persisted per
// key fingerprint and UTC day so that a restart keeps today's count.
type Ledger struct {
	path string

	Day         string         `json:"day"` // UTC date the counts are for
	Used        int            `json:"used"`
	RateLimited int            `json:"rateLimited"`
	Remaining   map[string]int `json:"remaining"` // apiRequestsRemaining by device
	Month       string         `json:"month"`     // the month Remaining is for

	recent []time.Time // call times of the last PaceWindow, for the pace
	dirty  bool
}

// PaceWindow is how far back the current pace looks.
const PaceWindow = 10 * time.Minute

// OpenLedger loads the ledger of a key (by fingerprint) from dir, or
// starts one. A ledger of another day starts today's count at zero.
func OpenLedger(dir, fingerprint string, now time.Time) (*Ledger, error) {
	l := &Ledger{Remaining: map[string]int{}}
	if dir != "" {
		l.path = filepath.Join(dir, "quota-"+sanitise(fingerprint)+".json")
		b, err := os.ReadFile(l.path)
		switch {
		case err == nil:
			if jerr := json.Unmarshal(b, l); jerr != nil {
				l.Used, l.RateLimited = 0, 0 // a damaged ledger restarts the count
			}
		case !errors.Is(err, os.ErrNotExist):
			return l, err
		}
	}
	if l.Remaining == nil {
		l.Remaining = map[string]int{}
	}
	l.roll(now)
	return l, nil
}

func sanitise(s string) string {
	out := []byte(s)
	for i, c := range out {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			out[i] = '-'
		}
	}
	return string(out)
}

// roll starts a new day (and month) when the clock has passed into one.
func (l *Ledger) roll(now time.Time) {
	day := now.UTC().Format("2006-01-02")
	if l.Day != day {
		l.Day, l.Used, l.RateLimited, l.dirty = day, 0, 0, true
	}
	if month := now.UTC().Format("2006-01"); l.Month != month {
		l.Month, l.Remaining, l.dirty = month, map[string]int{}, true
	}
}

// Record counts one call.
func (l *Ledger) Record(c api.Call) {
	l.roll(c.At)
	l.Used++
	if c.Status == 429 {
		l.RateLimited++
	}
	if c.Remaining != nil && c.DeviceID != "" {
		l.Remaining[c.DeviceID] = *c.Remaining
	}
	l.recent = append(l.recent, c.At)
	l.dirty = true
}

// NoteRemaining records apiRequestsRemaining from a device list.
func (l *Ledger) NoteRemaining(id string, n int) {
	if l.Remaining[id] != n {
		l.Remaining[id] = n
		l.dirty = true
	}
}

// UsedToday is the count for the UTC day of now.
func (l *Ledger) UsedToday(now time.Time) int {
	if now.UTC().Format("2006-01-02") != l.Day {
		return 0
	}
	return l.Used
}

// Pace is the current rate in requests per hour, over the last PaceWindow.
func (l *Ledger) Pace(now time.Time) float64 {
	cut := now.Add(-PaceWindow)
	i := 0
	for i < len(l.recent) && l.recent[i].Before(cut) {
		i++
	}
	l.recent = l.recent[i:]
	return float64(len(l.recent)) * float64(time.Hour) / float64(PaceWindow)
}

// Exhaustion is when the daily limit runs out at the current pace, or the
// zero time when it lasts until the reset.
func (l *Ledger) Exhaustion(now time.Time, daily int) time.Time {
	pace := l.Pace(now)
	left := float64(daily - l.UsedToday(now))
	if left <= 0 {
		return now
	}
	if pace <= 0 {
		return time.Time{}
	}
	at := now.Add(time.Duration(left / pace * float64(time.Hour)))
	if !at.Before(api.NextReset(now)) {
		return time.Time{}
	}
	return at
}

// Dirty reports unsaved changes.
func (l *Ledger) Dirty() bool { return l.dirty }

// Snapshot is a copy that can be saved away from the UI goroutine.
func (l *Ledger) Snapshot() *Ledger {
	c := *l
	c.recent = nil
	c.Remaining = make(map[string]int, len(l.Remaining))
	for k, v := range l.Remaining {
		c.Remaining[k] = v
	}
	l.dirty = false
	return &c
}

// Save writes the ledger atomically; a ledger without a path is not kept.
func (l *Ledger) Save() error {
	if l.path == "" {
		return nil
	}
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return writeAtomic(l.path, b)
}

// writeAtomic replaces a file in the state directory, private to the user.
func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
