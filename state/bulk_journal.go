package state

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"sqc/state/store"
)

// A bulk job is kept in the database as a row per device. Save writes
// the whole job once, then only the devices Set since (a journal line
// each): every line is synchronous FULL, so a device's "sending" mark is
// on the disk before its write goes out, and its outcome before the
// next one does.

// journalLine is one device's outcome as the journal file of an earlier
// sqc held it; the import reads them.
type journalLine struct {
	I        int        `json:"i"`
	DeviceID string     `json:"deviceid"`
	Status   BulkStatus `json:"status"`
	Message  string     `json:"message,omitempty"`
	At       time.Time  `json:"at,omitzero"`
}

// Save keeps what Set recorded; a job without a database is not kept.
// It returns once the disk has it, or, for a job saved later, once it is
// queued for Flush.
func (j *BulkJob) Save() error {
	if j.db == nil {
		j.dirty = j.dirty[:0]
		return nil
	}
	if j.later != nil {
		return j.take()
	}
	ctx := context.Background()
	if !j.written {
		rec, err := j.record()
		if err != nil {
			return err
		}
		if err := j.db.PutJob(ctx, rec); err != nil {
			return err
		}
		j.written, j.savedStop, j.savedSettle, j.dirty = true, j.Cancelled, j.Settled, j.dirty[:0]
		return nil
	}
	// The flags first: a stop kept and its last line lost leaves a device
	// "sending", which is read back; the line kept and the stop lost
	// would let a resume send what the user stopped.
	if j.savedStop != j.Cancelled || j.savedSettle != j.Settled {
		if err := j.db.SetJobFlags(ctx, j.ID, j.Cancelled, j.Settled); err != nil {
			return err
		}
		j.savedStop, j.savedSettle = j.Cancelled, j.Settled
	}
	if len(j.dirty) == 0 {
		return nil
	}
	lines := make([]store.JournalLine, len(j.dirty))
	for k, i := range j.dirty {
		it := j.Items[i]
		lines[k] = store.JournalLine{I: i, DeviceID: it.DeviceID, Status: string(it.Status), Message: it.Message, At: it.At}
	}
	if err := j.db.Journal(ctx, j.ID, lines); err != nil {
		return err
	}
	j.dirty = j.dirty[:0]
	return nil
}

// record is the job as the database keeps it.
func (j *BulkJob) record() (store.Job, error) {
	changes, err := json.Marshal(j.Changes)
	if err != nil {
		return store.Job{}, err
	}
	rec := store.Job{ID: j.ID, Key: j.key, Profile: j.Profile, Created: j.Created, Changes: changes, Cancelled: j.Cancelled, Settled: j.Settled,
		Items: make([]store.JobItem, len(j.Items))}
	for i, it := range j.Items {
		rec.Items[i] = store.JobItem{DeviceID: it.DeviceID, Name: it.Name, Plan: it.Plan, Status: string(it.Status), Message: it.Message, At: it.At}
		if it.Changes != nil {
			if rec.Items[i].Changes, err = json.Marshal(it.Changes); err != nil {
				return store.Job{}, err
			}
		}
	}
	return rec, nil
}

// jobFrom is a job the database kept, to go on with.
func jobFrom(db store.Store, rec store.Job) (*BulkJob, error) {
	j := &BulkJob{ID: rec.ID, Profile: rec.Profile, Created: rec.Created, Cancelled: rec.Cancelled, Settled: rec.Settled,
		db: db, key: rec.Key, written: true, savedStop: rec.Cancelled, savedSettle: rec.Settled}
	if err := decodeNumbers(rec.Changes, &j.Changes); err != nil {
		return nil, fmt.Errorf("its changes: %w", err)
	}
	j.Changes = newValues(j.Changes)
	j.Items = make([]BulkItem, len(rec.Items))
	for i, it := range rec.Items {
		j.Items[i] = BulkItem{DeviceID: it.DeviceID, Name: it.Name, Plan: it.Plan, Status: BulkStatus(it.Status), Message: it.Message, At: it.At}
		if it.Changes != nil {
			var own []Change
			if err := decodeNumbers(it.Changes, &own); err != nil {
				return nil, fmt.Errorf("the changes of %s: %w", it.DeviceID, err)
			}
			j.Items[i].Changes = newValues(own)
		}
	}
	return j, nil
}
