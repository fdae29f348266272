package store

import (
	"context"
	"database/sql"
	"time"
)

// Import is what one old file held, written to the database at once.
type Import struct {
	File     string // the file's path: it is imported once
	Note     string // what it held, for the record
	At       time.Time
	Devices  []Device
	Messages []Message
	Calls    []Calls
	Drafts   []Draft
	Jobs     []Job
	Audit    []AuditEntry
}

// Import writes what an old file held in one durable transaction with the
// record that it was imported, so that a crash before the file is renamed
// never imports it twice. It returns false when the file was imported
// before (and writes nothing).
func (s *SQLite) Import(ctx context.Context, imp Import) (bool, error) {
	done := false
	err := s.tx(ctx, true, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO imported (file, at, note) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, imp.File, ms(imp.At), imp.Note)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		done = true
		if err := putDevices(ctx, tx, imp.Devices); err != nil {
			return err
		}
		if err := fold(ctx, tx, imp.Messages); err != nil {
			return err
		}
		for _, c := range imp.Calls {
			if err := count(ctx, tx, c); err != nil {
				return err
			}
		}
		for _, d := range imp.Drafts {
			if err := saveDraft(ctx, tx, d); err != nil {
				return err
			}
		}
		for _, j := range imp.Jobs {
			if err := putJob(ctx, tx, j); err != nil {
				return err
			}
		}
		for _, e := range imp.Audit {
			if err := audit(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	return done, s.wrap("importing "+imp.File, err)
}
