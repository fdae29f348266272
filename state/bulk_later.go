package state

import (
	"context"
	"sync"

	"sqc/state/store"
)

// A console must not wait on the disk while it draws: there a job is
// saved later. Save takes what is to be written (on the console's
// goroutine, in memory) and Flush writes it, in order, from any
// goroutine. The console flushes before each write leaves, so a device's
// "sending" mark is still on the disk before its PATCH goes out.

// jobSave is what one Save took to write.
type jobSave struct {
	rec   *store.Job // the whole job, the first time
	flags bool       // Cancelled and Settled changed
	stop  bool
	settl bool
	lines []store.JournalLine
}

// jobQueue holds the saves not written yet, in the order they were taken.
type jobQueue struct {
	mu      sync.Mutex
	pending []jobSave
	// writing is held by the one Flush writing: a Flush returns once
	// every save taken before it is on the disk, even one another Flush
	// took.
	writing sync.Mutex
}

// SaveLater makes Save take what is to be written without writing it;
// Flush writes it. Call it before the first Save.
func (j *BulkJob) SaveLater() {
	if j.later == nil {
		j.later = &jobQueue{}
	}
}

// Unsaved reports whether saves wait for a Flush.
func (j *BulkJob) Unsaved() bool {
	if j.later == nil {
		return false
	}
	j.later.mu.Lock()
	defer j.later.mu.Unlock()
	return len(j.later.pending) > 0
}

// take is Save for a job saved later: what Save would write, queued.
func (j *BulkJob) take() error {
	var s jobSave
	if !j.written {
		rec, err := j.record()
		if err != nil {
			return err
		}
		s.rec = &rec
		j.written, j.savedStop, j.savedSettle, j.dirty = true, j.Cancelled, j.Settled, j.dirty[:0]
	} else {
		if j.savedStop != j.Cancelled || j.savedSettle != j.Settled {
			s.flags, s.stop, s.settl = true, j.Cancelled, j.Settled
			j.savedStop, j.savedSettle = j.Cancelled, j.Settled
		}
		if len(j.dirty) > 0 {
			s.lines = make([]store.JournalLine, len(j.dirty))
			for k, i := range j.dirty {
				it := j.Items[i]
				s.lines[k] = store.JournalLine{I: i, DeviceID: it.DeviceID, Status: string(it.Status), Message: it.Message, At: it.At}
			}
			j.dirty = j.dirty[:0]
		}
	}
	if s.rec == nil && !s.flags && len(s.lines) == 0 {
		return nil
	}
	q := j.later
	q.mu.Lock()
	q.pending = append(q.pending, s)
	q.mu.Unlock()
	return nil
}

// Flush writes, in order, every save taken before it; safe from any
// goroutine. It returns once the disk has them. What the database did not
// take stays queued, first, for the next Flush: a save is never dropped,
// nor written after one taken later.
func (j *BulkJob) Flush() error {
	q := j.later
	if q == nil || j.db == nil {
		return nil
	}
	q.writing.Lock()
	defer q.writing.Unlock()
	q.mu.Lock()
	todo := q.pending
	q.pending = nil
	q.mu.Unlock()
	for k, s := range todo {
		if err := j.write(s); err != nil {
			q.mu.Lock()
			q.pending = append(todo[k:len(todo):len(todo)], q.pending...)
			q.mu.Unlock()
			return err
		}
	}
	return nil
}

// write puts one save on the disk; the flags before the lines, as Save.
func (j *BulkJob) write(s jobSave) error {
	ctx := context.Background()
	if s.rec != nil {
		return j.db.PutJob(ctx, *s.rec)
	}
	if s.flags {
		if err := j.db.SetJobFlags(ctx, j.ID, s.stop, s.settl); err != nil {
			return err
		}
	}
	if len(s.lines) > 0 {
		return j.db.Journal(ctx, j.ID, s.lines)
	}
	return nil
}
