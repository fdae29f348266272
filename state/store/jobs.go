package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// PutJob keeps a whole job: its changes, flags and every item, replacing
// what was kept of it.
func (s *SQLite) PutJob(ctx context.Context, j Job) error {
	return s.wrap("saving bulk job "+j.ID, s.tx(ctx, true, func(tx *sql.Tx) error { return putJob(ctx, tx, j) }))
}

func putJob(ctx context.Context, tx *sql.Tx, j Job) error {
	{
		if _, err := tx.ExecContext(ctx, `INSERT INTO jobs (id, key, profile, created, changes, cancelled, settled) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET key = excluded.key, profile = excluded.profile, created = excluded.created,
				changes = excluded.changes, cancelled = excluded.cancelled, settled = excluded.settled`,
			j.ID, j.Key, j.Profile, ms(j.Created), []byte(j.Changes), j.Cancelled, j.Settled); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM job_items WHERE job = ?`, j.ID); err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO job_items (job, i, device, name, plan, status, message, at, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for i, it := range j.Items {
			if _, err := st.ExecContext(ctx, j.ID, i, it.DeviceID, it.Name, it.Plan, it.Status, it.Message, ms(it.At), nullBytes(it.Changes)); err != nil {
				return err
			}
		}
		return nil
	}
}

// Journal records devices' outcomes; it returns when they are on the
// disk. A line for a device the job does not have at that place is
// refused, and none of the lines is kept.
func (s *SQLite) Journal(ctx context.Context, jobID string, lines []JournalLine) error {
	if len(lines) == 0 {
		return nil
	}
	return s.wrap("writing the journal of bulk job "+jobID, s.tx(ctx, true, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `UPDATE job_items SET status = ?, message = ?, at = ? WHERE job = ? AND i = ? AND device = ?`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, l := range lines {
			res, err := st.ExecContext(ctx, l.Status, l.Message, ms(l.At), jobID, l.I, l.DeviceID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return fmt.Errorf("job %s has no device %s at %d", jobID, l.DeviceID, l.I)
			}
		}
		return nil
	}))
}

// SetJobFlags records that a job was stopped or its read-backs ended.
func (s *SQLite) SetJobFlags(ctx context.Context, jobID string, cancelled, settled bool) error {
	return s.wrap("saving bulk job "+jobID, s.tx(ctx, true, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET cancelled = ?, settled = ? WHERE id = ?`, cancelled, settled, jobID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("no bulk job %s", jobID)
		}
		return nil
	}))
}

// Job is a kept job with its items in order; false when there is none.
func (s *SQLite) Job(ctx context.Context, jobID string) (Job, bool, error) {
	j := Job{ID: jobID}
	var created int64
	var changes []byte
	err := s.read.QueryRowContext(ctx, `SELECT key, profile, created, changes, cancelled, settled FROM jobs WHERE id = ?`, jobID).
		Scan(&j.Key, &j.Profile, &created, &changes, &j.Cancelled, &j.Settled)
	if errors.Is(err, sql.ErrNoRows) {
		return j, false, nil
	}
	if err != nil {
		return j, false, s.wrap("reading bulk job "+jobID, err)
	}
	j.Created, j.Changes = fromMS(created), changes
	rows, err := s.read.QueryContext(ctx, `SELECT device, name, plan, status, message, at, changes FROM job_items WHERE job = ? ORDER BY i`, jobID)
	if err != nil {
		return j, false, s.wrap("reading bulk job "+jobID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var it JobItem
		var at int64
		var own []byte
		if err := rows.Scan(&it.DeviceID, &it.Name, &it.Plan, &it.Status, &it.Message, &at, &own); err != nil {
			return j, false, s.wrap("reading bulk job "+jobID, err)
		}
		it.At, it.Changes = fromMS(at), own
		j.Items = append(j.Items, it)
	}
	return j, true, s.wrap("reading bulk job "+jobID, rows.Err())
}

// Jobs lists the IDs of a key's jobs, oldest first.
func (s *SQLite) Jobs(ctx context.Context, key string) ([]string, error) {
	return s.strings(ctx, "listing bulk jobs", `SELECT id FROM jobs WHERE key = ? ORDER BY created, id`, key)
}

// nullBytes is b as a column value: NULL when there is none.
func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// OpenJobs lists, oldest first, the IDs of a key's jobs that have a
// device whose status is one of open, or, in a job not settled, one of
// unsettled: what a start may take up, without reading every device of
// every job ever run.
func (s *SQLite) OpenJobs(ctx context.Context, key string, open, unsettled []string) ([]string, error) {
	q := `SELECT id FROM jobs j WHERE key = ? AND EXISTS (SELECT 1 FROM job_items i WHERE i.job = j.id AND (i.status IN (SELECT value FROM json_each(?))
		OR (j.settled = 0 AND i.status IN (SELECT value FROM json_each(?))))) ORDER BY created, id`
	o, err := json.Marshal(open)
	if err != nil {
		return nil, err
	}
	u, err := json.Marshal(unsettled)
	if err != nil {
		return nil, err
	}
	return s.strings(ctx, "listing bulk jobs", q, key, string(o), string(u))
}
