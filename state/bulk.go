package state

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"time"

	"sqc/api"
	"sqc/state/store"
)

// BulkStatus is where one device of a bulk change stands.
type BulkStatus string

const (
	BulkPending BulkStatus = "pending"
	BulkSending BulkStatus = "sending" // out when the job was last saved: if the console stops now, the outcome is unknown
	BulkQueued  BulkStatus = "queued"  // 202: the device applies it at its next check-in
	BulkApplied BulkStatus = "applied" // read back synced with the new values
	BulkFailed  BulkStatus = "failed"  // the server refused it
	BulkSkipped BulkStatus = "skipped" // never sent: no calls left this month, or read-only
	// BulkUnknown: the write may have reached the server and no clear
	// answer came (a 5xx, a lost connection, the console stopped while it
	// was out). It is read back, never sent again by itself.
	BulkUnknown BulkStatus = "unknown"
)

// BulkItem is one device of a bulk change and what happened to it.
type BulkItem struct {
	DeviceID string     `json:"deviceid"`
	Name     string     `json:"name"`
	Plan     string     `json:"plan"`
	Status   BulkStatus `json:"status"`
	Message  string     `json:"message,omitempty"`
	At       time.Time  `json:"at,omitzero"`
	// Changes are the device's own when they are not the job's: the
	// command line types each device's values by its own config.
	Changes []Change `json:"changes,omitempty"`
}

// BulkJob is one change sent to many devices, one by one, kept in the
// database after every device so that a restart resumes it where it
// stopped and never sends a device twice on its own.
type BulkJob struct {
	ID      string     `json:"id"`
	Profile string     `json:"profile"`
	Created time.Time  `json:"created"`
	Changes []Change   `json:"changes"`
	Items   []BulkItem `json:"items"`
	// Cancelled is set when the user stopped the job: what was not sent
	// stays pending and is never sent by a resume.
	Cancelled bool `json:"cancelled,omitempty"`
	// Settled is set when the read-backs ended (every queued device seen
	// applied, or the time for it ran out): a job with queued devices and
	// no Settled was stopped before it could see them applied.
	Settled bool `json:"settled,omitempty"`

	// db keeps the job under key (nil: nowhere, as in the demo).
	db  store.Store
	key string
	// counts and next are kept by Set so that a frame or a step of a job
	// of 50,000 devices does not walk them all; nil/0 until first needed.
	counts map[BulkStatus]int
	next   int // no device before it is pending
	// dirty are the devices Set since the last Save: Save journals them
	// instead of writing the whole job (see bulk_journal.go).
	dirty       []int
	written     bool // the database has the job
	savedStop   bool // Cancelled as the database has it
	savedSettle bool // Settled as the database has it
	// later, when set, queues what Save takes for Flush (bulk_later.go).
	later *jobQueue
}

// NewBulkJob plans a change of devices, in the order given, kept in db
// under the key's fingerprint (db nil: kept nowhere).
func NewBulkJob(db store.Store, fingerprint, profile string, changes []Change, devices []api.Device, now time.Time) *BulkJob {
	// Two jobs started in one millisecond (two processes) must not
	// replace each other: the ID sorts by time and ends in a random part.
	var tail [3]byte
	_, _ = rand.Read(tail[:])
	j := &BulkJob{ID: now.UTC().Format("20060102-150405.000") + "-" + hex.EncodeToString(tail[:]), Profile: profile, Created: now, Changes: newValues(changes), db: db, key: fingerprint}
	for _, d := range devices {
		j.Items = append(j.Items, BulkItem{DeviceID: d.DeviceID, Name: d.Name, Plan: d.Plan, Status: BulkPending})
	}
	return j
}

// NewBulkJobOf plans writes that each carry their own changes, in the
// order given; the job's Changes are every key with its first new value,
// for a person to read.
func NewBulkJobOf(db store.Store, fingerprint, profile string, writes []Write, now time.Time) *BulkJob {
	var all []Change
	devs := make([]api.Device, len(writes))
	for k, w := range writes {
		devs[k] = w.Device
		for _, c := range w.Changes {
			if !slices.ContainsFunc(all, func(x Change) bool { return x.Key == c.Key }) {
				all = append(all, c)
			}
		}
	}
	j := NewBulkJob(db, fingerprint, profile, all, devs, now)
	for k, w := range writes {
		j.Items[k].Changes = newValues(w.Changes)
	}
	return j
}

// jobsDir is where sqc kept a key's jobs before the database: only the
// import reads it.
func jobsDir(dir, fingerprint string) string {
	return filepath.Join(dir, "jobs", sanitise(fingerprint))
}

// newValues are changes as a bulk job sends them: keys and new values
// only, since each device's old values are its own and were not read.
func newValues(changes []Change) []Change {
	out := make([]Change, len(changes))
	for k, c := range changes {
		out[k] = Change{Key: c.Key, New: c.New, Added: true}
	}
	return out
}

// Write is the write one device of the job gets.
func (j *BulkJob) Write(i int) Write {
	it := j.Items[i]
	return Write{Op: api.OpUpdateConfig, Device: api.Device{DeviceID: it.DeviceID, Name: it.Name, Plan: it.Plan}, Changes: slices.Clone(j.ChangesOf(i))}
}

// ChangesOf are the changes device i gets.
func (j *BulkJob) ChangesOf(i int) []Change {
	if c := j.Items[i].Changes; c != nil {
		return c
	}
	return j.Changes
}

// Next is the next device to send to; false when none is left.
func (j *BulkJob) Next() (int, bool) {
	if j.Cancelled {
		return 0, false
	}
	for ; j.next < len(j.Items); j.next++ {
		if j.Items[j.next].Status == BulkPending {
			return j.next, true
		}
	}
	return 0, false
}

// Set records what happened to device i; Save keeps it.
func (j *BulkJob) Set(i int, st BulkStatus, msg string, at time.Time) {
	j.count()
	j.counts[j.Items[i].Status]--
	j.counts[st]++
	j.Items[i].Status, j.Items[i].Message, j.Items[i].At = st, api.Clean(msg), at
	if st == BulkPending && i < j.next {
		j.next = i
	}
	j.dirty = append(j.dirty, i)
}

// Note changes device i's message, not its status.
func (j *BulkJob) Note(i int, msg string) {
	j.Items[i].Message = api.Clean(msg)
	j.dirty = append(j.dirty, i)
}

// Count is how many devices stand at each status.
func (j *BulkJob) Count() map[BulkStatus]int {
	c := j.count()
	out := make(map[BulkStatus]int, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

func (j *BulkJob) count() map[BulkStatus]int {
	if j.counts == nil {
		j.counts = map[BulkStatus]int{}
		for _, it := range j.Items {
			j.counts[it.Status]++
		}
	}
	return j.counts
}

// Sent is how many devices are past pending.
func (j *BulkJob) Sent() int { return len(j.Items) - j.count()[BulkPending] }

// Finished reports a job with nothing left to send.
func (j *BulkJob) Finished() bool {
	_, more := j.Next()
	return !more
}

// ToReadBack are the devices a resume reads back: those whose outcome is
// unknown, and the Hosted ones queued and not yet seen applied while the
// job's read-backs had not ended (a read costs a Hosted device nothing;
// a non-Hosted device's costs one of its 50 calls a month, and is asked
// for one device at a time in the config pane).
func (j *BulkJob) ToReadBack() []int {
	var out []int
	for i, it := range j.Items {
		switch {
		case it.Plan != api.PlanHosted:
		case it.Status == BulkUnknown, it.Status == BulkQueued && !j.Settled:
			out = append(out, i)
		}
	}
	return out
}

// Kept reports a job the database keeps: one that can be resumed.
func (j *BulkJob) Kept() bool { return j.db != nil }

// UnfinishedJobs are the jobs of a key that stopped before sending to
// every device (a quit, a crash, an expired key) or before their
// read-backs ended, oldest first. A job that cannot be read is named in
// the error and the debug log (log; nil logs nothing) and left as it is;
// it hides none of the others.
func UnfinishedJobs(db store.Store, fingerprint string, log *slog.Logger) ([]*BulkJob, error) {
	if db == nil {
		return nil, nil
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx := context.Background()
	// only the jobs with a device not done, or queued and not yet seen
	// applied: a finished job of 50,000 devices is not read at every start
	ids, err := db.OpenJobs(ctx, fingerprint, []string{string(BulkPending), string(BulkSending), string(BulkUnknown)}, []string{string(BulkQueued)})
	if err != nil {
		return nil, err
	}
	var out []*BulkJob
	var errs []error
	for _, id := range ids {
		rec, ok, err := db.Job(ctx, id)
		if err != nil {
			log.Warn("state: bulk job could not be read", "job", id, "err", err)
			errs = append(errs, err)
			continue
		}
		if !ok { // gone since it was listed
			continue
		}
		j, err := jobFrom(db, rec)
		if err != nil {
			log.Warn("state: bulk job could not be read, kept as it is and not resumed", "job", id, "err", err)
			errs = append(errs, fmt.Errorf("bulk job %s could not be read (%v): it is kept as it is, and not resumed", id, err))
			continue
		}
		// A write that was out when the console stopped may or may not
		// have happened: it is read back, never sent again by itself.
		for i := range j.Items {
			if j.Items[i].Status == BulkSending {
				j.Set(i, BulkUnknown, "the console stopped while this write was out: read back before anything is sent again", j.Items[i].At)
			}
		}
		if !j.Finished() || len(j.ToReadBack()) > 0 {
			out = append(out, j)
		}
	}
	return out, errors.Join(errs...)
}

// WriteCSV writes the job's summary: a row per device.
func (j *BulkJob) WriteCSV(w io.Writer) error {
	cw := api.NewCSVWriter(w)
	_ = cw.Write("deviceid", "name", "plan", "status", "message", "at")
	for _, it := range j.Items {
		at := ""
		if !it.At.IsZero() {
			at = it.At.UTC().Format(time.RFC3339)
		}
		_ = cw.Write(it.DeviceID, it.Name, it.Plan, string(it.Status), it.Message, at)
	}
	return cw.Flush()
}
