package state

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// A bulk job is kept as two files: <id>.json, the whole job, and
// <id>.log, a line per device changed since. Rewriting the whole job
// after every device cost 38 ms at 50,000 devices, twice per device, on
// the console's goroutine; a journal line costs what one device costs.
// The job file is rewritten when the journal grows past compactEvery
// lines, when the job is stopped or settled, and when its last device
// is done.
const compactEvery = 1000

// journalLine is one device's outcome in the journal.
type journalLine struct {
	I        int        `json:"i"`
	DeviceID string     `json:"deviceid"`
	Status   BulkStatus `json:"status"`
	Message  string     `json:"message,omitempty"`
	At       time.Time  `json:"at,omitzero"`
}

func (j *BulkJob) journalPath() string { return j.path[:len(j.path)-len(".json")] + ".log" }

// Save keeps what Set recorded; a job without a directory is not kept.
func (j *BulkJob) Save() error {
	if j.path == "" {
		j.dirty = j.dirty[:0]
		return nil
	}
	if !j.written || j.savedStop != j.Cancelled || j.savedSettle != j.Settled || j.journaled+len(j.dirty) > compactEvery || (len(j.dirty) > 0 && j.Finished()) {
		return j.rewrite()
	}
	if len(j.dirty) == 0 {
		return nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, i := range j.dirty {
		it := j.Items[i]
		if err := enc.Encode(journalLine{I: i, DeviceID: it.DeviceID, Status: it.Status, Message: it.Message, At: it.At}); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(j.journalPath(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	j.journaled += len(j.dirty)
	j.dirty = j.dirty[:0]
	return nil
}

// rewrite writes the whole job, then empties the journal it now holds.
func (j *BulkJob) rewrite() error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	if err := writeAtomic(j.path, b); err != nil {
		return err
	}
	// The job file holds every line of the journal now; were the console
	// to stop before the journal goes, replaying it again is harmless.
	if err := os.Remove(j.journalPath()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	j.written, j.savedStop, j.savedSettle, j.journaled, j.dirty = true, j.Cancelled, j.Settled, 0, j.dirty[:0]
	return nil
}

// loadJob reads a job file and replays its journal. A last line cut short
// (the console stopped while writing it) is the only damage forgiven.
func loadJob(path string, b []byte) (*BulkJob, error) {
	var j BulkJob
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&j); err != nil {
		return nil, err
	}
	j.path, j.written, j.savedStop, j.savedSettle, j.Changes = path, true, j.Cancelled, j.Settled, newValues(j.Changes)
	for i := range j.Items {
		if c := j.Items[i].Changes; c != nil {
			j.Items[i].Changes = newValues(c)
		}
	}
	f, err := os.Open(j.journalPath())
	if errors.Is(err, os.ErrNotExist) {
		return &j, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n, torn := 0, false
	for sc.Scan() {
		n++
		if torn {
			return nil, fmt.Errorf("journal line %d: a damaged line before it", n-1)
		}
		var l journalLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.I < 0 || l.I >= len(j.Items) || j.Items[l.I].DeviceID != l.DeviceID {
			torn = true
			continue
		}
		j.Items[l.I].Status, j.Items[l.I].Message, j.Items[l.I].At = l.Status, l.Message, l.At
		j.journaled++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	// after a cut line the next append would run on from it: the next
	// Save writes the whole job instead
	j.written = !torn
	return &j, nil
}
