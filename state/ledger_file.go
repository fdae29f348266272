package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// ledgerFile is the ledger as kept on disk, shared by every console of one
// key on this machine.
type ledgerFile struct {
	Day         string         `json:"day"` // UTC date the counts are for
	Used        int            `json:"used"`
	RateLimited int            `json:"rateLimited"`
	Remaining   map[string]int `json:"remaining"` // apiRequestsRemaining by device
	Month       string         `json:"month"`     // the month Remaining is for
}

// Bounds of what a ledger file may say; anything outside is damage or
// tampering, and believing it would change how fast the console reads.
const (
	maxLedgerCount     = 1_000_000_000 // far above any account's daily quota
	maxRemainingLedger = 200_000       // devices with a remaining count
	lockWait           = 5 * time.Second
)

func validCount(v float64) bool {
	return !math.IsNaN(v) && v >= 0 && v <= maxLedgerCount && v == math.Trunc(v)
}

func validRemaining(v float64) bool {
	return !math.IsNaN(v) && v >= 0 && v <= 50 && v == math.Trunc(v)
}

func validDeviceKey(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// readLedgerFile loads and checks the file; a missing or damaged file
// reads as empty, and each value out of range is dropped with a log line.
func readLedgerFile(path string, log *slog.Logger) (ledgerFile, error) {
	f := ledgerFile{Remaining: map[string]int{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	var raw struct {
		Day         string             `json:"day"`
		Used        float64            `json:"used"`
		RateLimited float64            `json:"rateLimited"`
		Remaining   map[string]float64 `json:"remaining"`
		Month       string             `json:"month"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		log.Debug("ledger: damaged file discarded", "path", path, "err", err)
		return f, nil
	}
	if _, err := time.Parse(time.DateOnly, raw.Day); err != nil || len(raw.Day) != len(time.DateOnly) {
		log.Debug("ledger: bad day discarded with its counts", "path", path, "day", fmt.Sprintf("%.40q", raw.Day))
	} else {
		f.Day = raw.Day
		if validCount(raw.Used) {
			f.Used = int(raw.Used)
		} else {
			log.Debug("ledger: used count out of range discarded", "path", path, "value", raw.Used)
		}
		if validCount(raw.RateLimited) {
			f.RateLimited = int(raw.RateLimited)
		} else {
			log.Debug("ledger: 429 count out of range discarded", "path", path, "value", raw.RateLimited)
		}
	}
	if _, err := time.Parse("2006-01", raw.Month); err != nil || len(raw.Month) != 7 {
		if len(raw.Remaining) > 0 || raw.Month != "" {
			log.Debug("ledger: bad month discarded with its remaining counts", "path", path, "month", fmt.Sprintf("%.40q", raw.Month))
		}
		return f, nil
	}
	f.Month = raw.Month
	for id, v := range raw.Remaining {
		switch {
		case !validDeviceKey(id):
			log.Debug("ledger: bad device ID discarded", "path", path, "device", fmt.Sprintf("%.40q", id))
		case !validRemaining(v):
			log.Debug("ledger: remaining count out of range discarded", "path", path, "device", id, "value", v)
		case len(f.Remaining) >= maxRemainingLedger:
			log.Debug("ledger: too many remaining counts, the rest discarded", "path", path)
			return f, nil
		default:
			f.Remaining[id] = int(v)
		}
	}
	return f, nil
}

// merge adds what one console counted since its last save (take) to what
// the file holds: counts of the same day add up, remaining counts of the
// same month keep the lowest (they only fall within a month), and a later
// day or month replaces an earlier one.
func merge(disk, take ledgerFile) ledgerFile {
	out := ledgerFile{Day: disk.Day, Used: disk.Used, RateLimited: disk.RateLimited, Month: disk.Month, Remaining: maps.Clone(disk.Remaining)}
	switch {
	case take.Day == disk.Day:
		out.Used += take.Used
		out.RateLimited += take.RateLimited
	case take.Day > disk.Day:
		out.Day, out.Used, out.RateLimited = take.Day, take.Used, take.RateLimited
	}
	switch {
	case take.Month == disk.Month:
		for id, n := range take.Remaining {
			if old, ok := out.Remaining[id]; !ok || n < old {
				out.Remaining[id] = n
			}
		}
	case take.Month > disk.Month:
		out.Month, out.Remaining = take.Month, maps.Clone(take.Remaining)
	}
	if out.Remaining == nil {
		out.Remaining = map[string]int{}
	}
	return out
}

// adopt makes the file's counts the base of the ledger's current day and
// month. Called with l.mu held.
func (l *Ledger) adopt(f ledgerFile) {
	l.base.used, l.base.rateLimited = 0, 0
	if f.Day == l.day {
		l.base.used, l.base.rateLimited = f.Used, f.RateLimited
	}
	l.base.remaining = map[string]int{}
	if f.Month == l.month {
		l.base.remaining = maps.Clone(f.Remaining)
	}
}

// Save adds what this console counted since its last save to the file,
// under a lock shared with every other console of the key, and takes in
// what they counted. It is safe to call from any goroutine while calls are
// being counted; a ledger without a path only settles its counts.
func (l *Ledger) Save() error {
	l.saveMu.Lock()
	defer l.saveMu.Unlock()
	if l.path == "" {
		l.mu.Lock()
		l.base.used += l.pend.used
		l.base.rateLimited += l.pend.rateLimited
		maps.Copy(l.base.remaining, l.pend.remaining)
		l.pend = counts{remaining: map[string]int{}}
		l.mu.Unlock()
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
		return err
	}
	lock := flock.New(l.path + ".lock")
	defer lock.Close()
	ctx, cancel := context.WithTimeout(context.Background(), lockWait)
	defer cancel()
	if ok, err := lock.TryLockContext(ctx, 20*time.Millisecond); !ok {
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			err = errors.New("another sqc holds the quota ledger's lock")
		}
		return fmt.Errorf("saving the quota ledger: %w", err)
	}
	defer lock.Unlock()
	disk, err := readLedgerFile(l.path, l.log)
	if err != nil {
		return err
	}
	l.mu.Lock()
	take := ledgerFile{Day: l.day, Used: l.pend.used, RateLimited: l.pend.rateLimited, Month: l.month, Remaining: maps.Clone(l.pend.remaining)}
	l.mu.Unlock()
	merged := merge(disk, take)
	b, err := json.Marshal(merged)
	if err != nil {
		return err
	}
	if err := writeAtomic(l.path, b); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.day == take.Day {
		l.pend.used -= take.Used
		l.pend.rateLimited -= take.RateLimited
	}
	if l.month == take.Month {
		for id, n := range take.Remaining {
			if l.pend.remaining[id] == n {
				delete(l.pend.remaining, id)
			}
		}
	}
	l.adopt(merged)
	return nil
}
