package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"time"
)

// ledgerFile is the ledger as an earlier sqc kept it on disk, a JSON file
// per key merged under a lock: it is read once, into the database.
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
