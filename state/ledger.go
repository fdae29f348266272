package state

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"sqc/api"
	"sqc/state/store"
)

// Ledger counts the account's use of its quota. The server sends no usage
// headers, so the client keeps its own count, in the database of the
// profile and key, per key and UTC day and per non-Hosted device and
// month. Every console and command on the machine adds to the same rows
// (n = n + ?), so they add up exactly with nothing to merge.
//
// It is safe for concurrent use: the API client counts each request from
// its own goroutine as it goes on the wire (Sent) and records the answer
// (Observe), the UI reads it while drawing, and Save runs in a command.
// Sent never waits on the disk: counts are written in batches by one
// goroutine that runs while there is something to write, each batch one
// durable transaction, at most one every ledgerEvery. A batch that cannot
// be written stays in memory and is tried again, so a count is lost only
// with the process, and then at most ledgerEvery of it: Save and Close
// write at once.
type Ledger struct {
	db     store.Store // nil: counted here only
	own    *DB         // the database the ledger opened, closed with it
	key    string      // the key's fingerprint
	log    *slog.Logger
	opened time.Time

	saveMu sync.Mutex // one write to the database at a time
	wg     sync.WaitGroup
	quit   chan struct{} // closed by Close: the writer stops gathering
	readAt time.Time     // when a write last read back every process's count
	every  time.Duration // ledgerEvery; a test waits longer
	mu     sync.Mutex
	day    string // UTC date the counts are for
	month  string // the month the remaining counts are for
	dayN   int
	monthN int
	dayAt  time.Time // a time of that day, to ask the database with
	// base is what the database held at the last read (every process's
	// counts); out is the batch being written and pend what was counted
	// since. Today's count is the sum of the three.
	base      counts
	out, pend tally
	nonHosted map[string]bool // devices known to have a monthly allowance
	heard     map[string]int  // the lowest calls left this process heard of this month
	flushing  bool            // the writer goroutine runs
	retryAt   time.Time       // after a failed write, the time (of calls) to try again
	failed    error           // the last write's failure, until one succeeds
	closed    bool

	recent     []time.Time // send times of the last PaceWindow, oldest first
	recentHead int         // recent[:recentHead] are dropped, awaiting compaction
	last429    time.Time   // when the account's latest 429 arrived
	last429RA  time.Duration
}

// counts is the database's side of the book: the day's calls and 429s
// and the month's lowest apiRequestsRemaining by device.
type counts struct {
	used, rateLimited int
	remaining         map[string]int
}

// tally is what this process counted and has not written yet: by UTC day
// and device (a device only when it is non-Hosted), and the day's sums
// for the ledger's day, so that a read adds three numbers.
type tally struct {
	rows              map[tallyKey]*tallyRow
	used, rateLimited int // of the ledger's day
}

type tallyKey struct {
	day    int
	device string
}

type tallyRow struct {
	at                time.Time
	sent, rateLimited int
	remaining         *int
}

func (t *tally) row(at time.Time, device string) *tallyRow {
	if t.rows == nil {
		t.rows = map[tallyKey]*tallyRow{}
	}
	k := tallyKey{dayNum(at), device}
	r := t.rows[k]
	if r == nil {
		r = &tallyRow{at: at}
		t.rows[k] = r
	}
	return r
}

func (t *tally) empty() bool { return len(t.rows) == 0 }

// add takes in another tally's rows (a batch that could not be written).
func (t *tally) add(o tally) {
	for k, r := range o.rows {
		mine := t.row(r.at, k.device)
		mine.sent += r.sent
		mine.rateLimited += r.rateLimited
		if r.remaining != nil && (mine.remaining == nil || *r.remaining < *mine.remaining) {
			mine.remaining = r.remaining
		}
	}
	t.used += o.used
	t.rateLimited += o.rateLimited
}

// calls is the tally as the store counts it.
func (t *tally) calls(key string) []store.Calls {
	out := make([]store.Calls, 0, len(t.rows))
	for k, r := range t.rows {
		out = append(out, store.Calls{Key: key, At: r.at, Sent: r.sent, RateLimited: r.rateLimited, DeviceID: k.device, Remaining: r.remaining})
	}
	return out
}

// ledgerEvery is the most often the writer commits while requests keep
// coming. A console at its budget sends about a hundred requests a
// second, and a durable transaction for each cost more than the request
// itself; a process that dies (not one that closes, or a command that
// exits: Close and Save write at once) loses at most this much of its
// count.
const ledgerEvery = 500 * time.Millisecond

// ledgerReread is how often a write also reads back the day's count of
// every process; between, this process's own writes are added to what was
// read, so another console's requests show within this much (or at the
// next Save).
const ledgerReread = 2 * time.Second

// ledgerRetry is how long after a failed write (in the time of the calls
// counted) the writer tries again by itself; Save tries at once.
const ledgerRetry = 2 * time.Second

// ledgerWait bounds one write or read of the ledger: beyond the busy
// timeout of a database another process holds, the counts wait in memory.
const ledgerWait = 10 * time.Second

// PaceWindow is how far back the current pace looks.
const PaceWindow = 10 * time.Minute

// minPaceSpan keeps a ledger opened a moment ago from dividing a few
// calls by almost nothing.
const minPaceSpan = 10 * time.Second

// NewLedger is a ledger with nothing kept (dir "") or kept in the
// database of the default profile in dir; the console and the commands
// use OpenLedgerIn with their profile.
func NewLedger(dir, fingerprint string, now time.Time, log *slog.Logger) (*Ledger, error) {
	l, _, err := OpenLedgerIn(dir, "", fingerprint, now, log)
	return l, err
}

// OpenLedger is the ledger of a key (by fingerprint) in db, with what
// every process counted today and this month; with db nil nothing is
// kept. An error says the database could not be read: the ledger counts
// on, and writes what it counts once it can.
func OpenLedger(db store.Store, fingerprint string, now time.Time, log *slog.Logger) (*Ledger, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Ledger{db: db, key: fingerprint, log: log, opened: now, nonHosted: map[string]bool{}, heard: map[string]int{}, quit: make(chan struct{}), every: ledgerEvery}
	l.day, l.month, l.dayN, l.monthN, l.dayAt = dayOf(now), monthOf(now), dayNum(now), monthNum(now), now
	l.base.remaining = map[string]int{}
	if db == nil {
		return l, nil
	}
	return l, l.refresh(true)
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
		l.day, l.dayN, l.dayAt = dayOf(t), n, t
		l.base.used, l.base.rateLimited = 0, 0
		l.pend.used, l.pend.rateLimited, l.out.used, l.out.rateLimited = 0, 0, 0, 0
	}
	if n := monthNum(t); n > l.monthN {
		l.month, l.monthN = monthOf(t), n
		l.base.remaining, l.nonHosted, l.heard = map[string]int{}, map[string]bool{}, map[string]int{}
	}
}

// Sent counts one request at the moment it goes on the wire; pass it as
// api.Options.Sent. It is what the budget spends from, so a console slow
// to fold its answers still counts every request it made.
func (l *Ledger) Sent(c api.Call) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roll(c.At)
	dev := ""
	if l.nonHosted[c.DeviceID] {
		dev = c.DeviceID // one of its 50 calls this month
	}
	l.pend.row(c.At, dev).sent++
	if dayNum(c.At) == l.dayN {
		l.pend.used++
	}
	l.recent = append(l.recent, c.At)
	l.trim(c.At)
	l.kick(c.At)
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
		l.pend.row(c.At, "").rateLimited++
		if dayNum(c.At) == l.dayN {
			l.pend.rateLimited++
		}
		l.kick(c.At)
	}
	if api.Classify(c.Err) == api.FailRateLimit {
		if at := c.At.Add(c.Latency); at.After(l.last429) {
			l.last429, l.last429RA = at, api.RetryAfterOf(c.Err)
		}
	}
	if c.Remaining != nil && c.DeviceID != "" {
		l.noteRemaining(c.DeviceID, *c.Remaining, c.At)
		l.kick(c.At)
	}
}

// NoteRemaining records apiRequestsRemaining from a device list.
func (l *Ledger) NoteRemaining(id string, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.noteRemaining(id, n, l.dayAt)
	l.kick(l.dayAt)
}

// noteRemaining keeps a device's remaining calls when they are in range:
// a server saying 1e300 or -5 is not believed.
// A device that has a count is non-Hosted: its calls are counted by
// device from then on.
func (l *Ledger) noteRemaining(id string, n int, at time.Time) {
	if !validRemaining(float64(n)) || !validDeviceKey(id) {
		l.log.Debug("ledger: apiRequestsRemaining out of range ignored", "device", id, "value", n)
		return
	}
	l.nonHosted[id] = true
	if h, ok := l.heard[id]; !ok || n < h {
		l.heard[id] = n
	}
	r := l.pend.row(at, id)
	if r.remaining == nil || n < *r.remaining {
		r.remaining = &n
	}
}

// UsedToday is the count for the UTC day of now: this process's and, as
// of the last write, every other process's on the same key.
func (l *Ledger) UsedToday(now time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if dayNum(now) != l.dayN {
		return 0
	}
	return l.base.used + l.out.used + l.pend.used
}

// RateLimitedToday is how many 429s were answered on the UTC day of now.
func (l *Ledger) RateLimitedToday(now time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if dayNum(now) != l.dayN {
		return 0
	}
	return l.base.rateLimited + l.out.rateLimited + l.pend.rateLimited
}

// RemainingOf is a non-Hosted device's calls left this month, when known.
func (l *Ledger) RemainingOf(id string) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.remainingOf(id)
}

// The lowest of what is known wins: a device's calls left only fall
// within a month, whichever process heard of them last.
func (l *Ledger) remainingOf(id string) (int, bool) {
	n, ok := l.base.remaining[id]
	if h, hok := l.heard[id]; hok && (!ok || h < n) {
		n, ok = h, true
	}
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

// Dirty reports counts not yet written.
func (l *Ledger) Dirty() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.pend.empty() || !l.out.empty()
}

// kick starts the writer when there is something to write and no
// writer runs; after a failed write it waits until the calls counted are
// ledgerRetry later. Called with mu held.
func (l *Ledger) kick(at time.Time) {
	if l.db == nil || l.flushing || l.closed || l.pend.empty() || at.Before(l.retryAt) {
		return
	}
	l.flushing = true
	l.wg.Add(1)
	go l.writer()
}

// writer writes batches while there are counts to write: the first count
// after a quiet spell is written at once, and what arrives after a write
// is gathered for ledgerEvery into the next batch, so a busy client waits
// for no fsync and the disk is synced at most once every ledgerEvery.
func (l *Ledger) writer() {
	defer l.wg.Done()
	gather := time.NewTimer(l.every)
	defer gather.Stop()
	for {
		err := l.flush()
		l.mu.Lock()
		if err != nil || l.closed {
			l.flushing = false
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		gather.Reset(l.every)
		select {
		case <-gather.C:
		case <-l.quit: // Close writes the rest itself
		}
		l.mu.Lock()
		if l.pend.empty() || l.closed {
			l.flushing = false
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
	}
}

// flush writes what is counted in one durable transaction, then, every
// ledgerReread, reads back the day's count of every process. A batch that fails goes back to
// be written with the next; the failure is logged once until a write
// succeeds, and is Save's to report.
func (l *Ledger) flush() error {
	l.saveMu.Lock()
	defer l.saveMu.Unlock()
	l.mu.Lock()
	if l.pend.empty() || l.db == nil {
		l.mu.Unlock()
		return nil
	}
	l.out, l.pend = l.pend, tally{}
	batch, dayAt := l.out.calls(l.key), l.dayAt
	l.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), ledgerWait)
	defer cancel()
	err := l.db.CountBatch(ctx, batch)
	var u store.Usage
	uerr := errNotRead
	if err == nil && time.Since(l.readAt) >= ledgerReread {
		if u, uerr = l.db.Usage(ctx, l.key, dayAt); uerr == nil {
			l.readAt = time.Now()
		}
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.pend.add(l.out)
		l.out = tally{}
		if l.failed == nil {
			l.log.Warn("quota ledger: counts not written, kept in memory to try again", "err", err)
		}
		l.failed = err
		l.retryAt = l.latest().Add(ledgerRetry)
		return err
	}
	if l.failed != nil {
		l.log.Info("quota ledger: the counts kept in memory are written")
	}
	l.failed, l.retryAt = nil, time.Time{}
	for k, r := range l.out.rows {
		if r.remaining == nil || dayMonth(k.day) != l.monthN {
			continue
		}
		if n, ok := l.base.remaining[k.device]; !ok || *r.remaining < n {
			l.base.remaining[k.device] = *r.remaining
		}
	}
	if uerr == nil && u.Day == l.day {
		l.base.used, l.base.rateLimited = u.Used, u.RateLimited
	} else {
		l.base.used += l.out.used
		l.base.rateLimited += l.out.rateLimited
	}
	l.out = tally{}
	return nil
}

// errNotRead is a write that did not read back every process's count:
// its own counts are added to what was read last.
var errNotRead = errors.New("not read back")

func dayMonth(day int) int { return day / 100 }

// latest is the time of the last call counted. Called with mu held.
func (l *Ledger) latest() time.Time {
	if len(l.recent) > l.recentHead {
		return l.recent[len(l.recent)-1]
	}
	return l.dayAt
}

// refresh reads what every process counted today (and, with month, each
// device's calls left this month) into the base.
func (l *Ledger) refresh(month bool) error {
	l.saveMu.Lock()
	defer l.saveMu.Unlock()
	l.mu.Lock()
	dayAt := l.dayAt
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), ledgerWait)
	defer cancel()
	u, err := l.db.Usage(ctx, l.key, dayAt)
	if err != nil {
		return err
	}
	l.readAt = time.Now()
	var devs map[string]store.DeviceMonth
	if month {
		if devs, err = l.db.Remaining(ctx, dayAt); err != nil {
			return err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if u.Day == l.day {
		l.base.used, l.base.rateLimited = u.Used, u.RateLimited
	}
	if !month || monthOf(dayAt) != l.month {
		return nil
	}
	l.base.remaining = map[string]int{}
	for id, d := range devs {
		if !validDeviceKey(id) {
			continue
		}
		l.nonHosted[id] = true
		if d.Remaining >= 0 && validRemaining(float64(d.Remaining)) {
			l.base.remaining[id] = d.Remaining
		}
	}
	return nil
}

// Save writes what is counted and reads what every other process counted.
// It is safe to call from any goroutine while calls are being counted. A
// ledger without a database only settles its counts. An error says the
// counts could not be written: they are kept, and written by a later Save.
func (l *Ledger) Save() error {
	l.saveMu.Lock()
	db := l.db
	l.saveMu.Unlock()
	if db == nil {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.base.used += l.pend.used
		l.base.rateLimited += l.pend.rateLimited
		for id, n := range l.heard {
			if old, ok := l.base.remaining[id]; !ok || n < old {
				l.base.remaining[id] = n
			}
		}
		l.pend = tally{}
		return nil
	}
	if err := l.flush(); err != nil {
		return fmt.Errorf("the quota ledger's counts are kept in memory and will be written later: %w", err)
	}
	return l.refresh(true)
}

// Close writes what is counted and waits for the writer; the database is
// closed when the ledger opened it. Counted after Close is counted here
// only.
func (l *Ledger) Close() error {
	l.mu.Lock()
	if !l.closed && l.quit != nil {
		close(l.quit)
	}
	l.closed = true
	l.mu.Unlock()
	l.wg.Wait()
	var err error
	if l.db != nil {
		err = l.flush()
	}
	if l.own != nil {
		l.saveMu.Lock()
		err = errors.Join(err, l.own.Close())
		l.own, l.db = nil, nil
		l.saveMu.Unlock()
	}
	return err
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

// OpenLedgerIn opens the database of a profile and key in dir (shared
// with the rest of the process) and the key's ledger in it; the ledger
// gives the database back at Close. Notes are what opening the database
// did that the user should hear of (files set aside). When the database
// cannot be opened, the ledger counts in memory and the error says why
// and what to do.
func OpenLedgerIn(dir, profile, fingerprint string, now time.Time, log *slog.Logger) (*Ledger, []string, error) {
	if dir == "" {
		l, err := OpenLedger(nil, fingerprint, now, log)
		return l, nil, err
	}
	db, err := OpenDB(dir, profile, fingerprint, now, log)
	if err != nil {
		l, _ := OpenLedger(nil, fingerprint, now, log)
		return l, nil, fmt.Errorf("the quota ledger counts in memory only: %w", err)
	}
	l, err := OpenLedger(db, fingerprint, now, log)
	l.own = db
	if err != nil {
		err = fmt.Errorf("the quota ledger could not read what other sqc processes counted: %w", err)
	}
	return l, db.Notes, err
}

// Store is the database the ledger counts into, nil when none: the
// audit log and the rest of what the key keeps are in it too.
func (l *Ledger) Store() store.Store {
	l.saveMu.Lock()
	defer l.saveMu.Unlock()
	if l.db == nil {
		return nil
	}
	return l.db
}
