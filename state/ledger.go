package state

import (
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"sqc/api"
)

// Ledger counts the account's use of its quota. The server sends no usage
// headers, so the client keeps its own count, persisted per key
// fingerprint and UTC day so that a restart keeps today's count, and
// merged on every save with what other consoles on the same key counted.
//
// It is safe for concurrent use: the API client counts each request from
// its own goroutine as it goes on the wire (Sent) and records the answer
// (Observe), the UI reads it while drawing, and Save runs in a command.
type Ledger struct {
	path   string
	log    *slog.Logger
	opened time.Time

	saveMu sync.Mutex // one save at a time, so a count is never added twice
	mu     sync.Mutex
	day    string // UTC date the counts are for
	month  string // the month the remaining counts are for
	dayN   int
	monthN int
	// base is what the file held at the last load or save; pend is what
	// this console counted since, and is what the next save adds.
	base, pend counts
	recent     []time.Time // send times of the last PaceWindow, oldest first
	recentHead int         // recent[:recentHead] are dropped, awaiting compaction
	last429    time.Time   // when the account's latest 429 arrived
	last429RA  time.Duration
}

// counts is one side of the ledger's book: the day's calls and 429s and
// the month's apiRequestsRemaining by device.
type counts struct {
	used, rateLimited int
	remaining         map[string]int
}

// PaceWindow is how far back the current pace looks.
const PaceWindow = 10 * time.Minute

// minPaceSpan keeps a ledger opened a moment ago from dividing a few
// calls by almost nothing.
const minPaceSpan = 10 * time.Second

// NewLedger loads the ledger of a key (by fingerprint) from dir, or starts
// one; with dir "" nothing is kept. A ledger of another day starts today's
// count at zero. Values on disk that cannot be right are discarded, each
// with a line on log (nil discards).
func NewLedger(dir, fingerprint string, now time.Time, log *slog.Logger) (*Ledger, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Ledger{log: log, opened: now}
	l.day, l.month, l.dayN, l.monthN = dayOf(now), monthOf(now), dayNum(now), monthNum(now)
	l.base.remaining, l.pend.remaining = map[string]int{}, map[string]int{}
	if dir == "" {
		return l, nil
	}
	l.path = filepath.Join(dir, "quota-"+sanitise(fingerprint)+".json")
	f, err := readLedgerFile(l.path, log)
	if err != nil {
		return l, err
	}
	l.adopt(f)
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

func dayOf(t time.Time) string   { return t.UTC().Format(time.DateOnly) }
func monthOf(t time.Time) string { return t.UTC().Format("2006-01") }

// dayNum and monthNum compare days without formatting them: the budget
// asks for today's count at every read.
func dayNum(t time.Time) int {
	y, m, d := t.UTC().Date()
	return y*10000 + int(m)*100 + d
}

func monthNum(t time.Time) int {
	y, m, _ := t.UTC().Date()
	return y*100 + int(m)
}

// roll starts a new day (and month) when a call is of a later one. Calls
// answered out of order around midnight never roll the ledger back.
func (l *Ledger) roll(t time.Time) {
	if n := dayNum(t); n > l.dayN {
		l.day, l.dayN = dayOf(t), n
		l.base.used, l.base.rateLimited, l.pend.used, l.pend.rateLimited = 0, 0, 0, 0
	}
	if n := monthNum(t); n > l.monthN {
		l.month, l.monthN = monthOf(t), n
		l.base.remaining, l.pend.remaining = map[string]int{}, map[string]int{}
	}
}

// Sent counts one request at the moment it goes on the wire; pass it as
// api.Options.Sent. It is what the budget spends from, so a console slow
// to fold its answers still counts every request it made.
func (l *Ledger) Sent(c api.Call) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roll(c.At)
	l.pend.used++
	l.recent = append(l.recent, c.At)
	l.trim(c.At)
}

// trim drops send times older than the pace window, on write, so the list
// stays bounded whether or not anyone reads the pace.
func (l *Ledger) trim(now time.Time) {
	cut := now.Add(-PaceWindow)
	for l.recentHead < len(l.recent) && l.recent[l.recentHead].Before(cut) {
		l.recentHead++
	}
	if l.recentHead > 64 && l.recentHead*2 > len(l.recent) {
		n := copy(l.recent, l.recent[l.recentHead:])
		l.recent, l.recentHead = l.recent[:n], 0
	}
}

// Observe records the answer to a request: 429s, the account's last 429
// (which holds every read back) and apiRequestsRemaining; pass it as
// api.Options.Observe. It does not count the request: Sent did.
func (l *Ledger) Observe(c api.Call) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.observe(c)
}

func (l *Ledger) observe(c api.Call) {
	l.roll(c.At)
	if c.Status == 429 {
		l.pend.rateLimited++
	}
	if api.Classify(c.Err) == api.FailRateLimit {
		if at := c.At.Add(c.Latency); at.After(l.last429) {
			l.last429, l.last429RA = at, api.RetryAfterOf(c.Err)
		}
	}
	if c.Remaining != nil && c.DeviceID != "" {
		l.noteRemaining(c.DeviceID, *c.Remaining)
	}
}

// NoteRemaining records apiRequestsRemaining from a device list.
func (l *Ledger) NoteRemaining(id string, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.noteRemaining(id, n)
}

// noteRemaining keeps a device's remaining calls when they are in range:
// a server saying 1e300 or -5 is not believed.
func (l *Ledger) noteRemaining(id string, n int) {
	if !validRemaining(float64(n)) || !validDeviceKey(id) {
		l.log.Debug("ledger: apiRequestsRemaining out of range ignored", "device", id, "value", n)
		return
	}
	l.pend.remaining[id] = n
}

// UsedToday is the count for the UTC day of now: this console's and, as
// of the last save, every other console's on the same key.
func (l *Ledger) UsedToday(now time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if dayNum(now) != l.dayN {
		return 0
	}
	return l.base.used + l.pend.used
}

// RateLimitedToday is how many 429s were answered on the UTC day of now.
func (l *Ledger) RateLimitedToday(now time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if dayNum(now) != l.dayN {
		return 0
	}
	return l.base.rateLimited + l.pend.rateLimited
}

// RemainingOf is a non-Hosted device's calls left this month, when known.
func (l *Ledger) RemainingOf(id string) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.remainingOf(id)
}

func (l *Ledger) remainingOf(id string) (int, bool) {
	if n, ok := l.pend.remaining[id]; ok {
		return n, true
	}
	n, ok := l.base.remaining[id]
	return n, ok
}

// LastRateLimit is when the account's latest 429 arrived and the
// Retry-After it carried (0 when none): every read waits for it.
func (l *Ledger) LastRateLimit() (time.Time, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last429, l.last429RA
}

// Pace is the current rate in requests per hour: the requests of the last
// PaceWindow, or of the time since the ledger opened when that is shorter.
func (l *Ledger) Pace(now time.Time) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	cut := now.Add(-PaceWindow)
	n := 0
	for i := len(l.recent) - 1; i >= l.recentHead && !l.recent[i].Before(cut); i-- {
		if !l.recent[i].After(now) {
			n++
		}
	}
	return float64(n) * float64(time.Hour) / float64(l.paceSpan(now))
}

// PaceSpan is the time the pace is measured over: PaceWindow, or less in
// the first minutes after the ledger opened.
func (l *Ledger) PaceSpan(now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.paceSpan(now)
}

func (l *Ledger) paceSpan(now time.Time) time.Duration {
	return max(minPaceSpan, min(PaceWindow, now.Sub(l.opened)))
}

// Exhaustion is when the daily limit runs out at the current pace, or the
// zero time when it lasts until the reset.
func (l *Ledger) Exhaustion(now time.Time, daily int) time.Time {
	pace := l.Pace(now)
	left := float64(daily - l.UsedToday(now))
	if left <= 0 {
		return now
	}
	if pace <= 0 || math.IsNaN(pace) {
		return time.Time{}
	}
	at := now.Add(time.Duration(left / pace * float64(time.Hour)))
	if !at.Before(api.NextReset(now)) {
		return time.Time{}
	}
	return at
}

// Dirty reports counts not yet saved.
func (l *Ledger) Dirty() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pend.used != 0 || l.pend.rateLimited != 0 || len(l.pend.remaining) != 0
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
