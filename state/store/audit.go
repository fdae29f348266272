package store

import (
	"context"
	"database/sql"
)

// Audit appends one entry; it returns when the entry is on the disk.
func (s *SQLite) Audit(ctx context.Context, e AuditEntry) error {
	return s.wrap("write the audit log", s.tx(ctx, true, func(tx *sql.Tx) error { return audit(ctx, tx, e) }))
}

func audit(ctx context.Context, tx *sql.Tx, e AuditEntry) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit (at, profile, device, op, status, outcome, message, detail, who) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ms(e.At), e.Profile, e.Device, e.Op, e.Status, e.Outcome, e.Message, e.Detail, e.Who)
	return err
}

// AuditLog is the entries q selects, oldest first; with a Limit, the
// latest Limit of them.
func (s *SQLite) AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	query := `SELECT seq, at, profile, device, op, status, outcome, message, detail, who FROM audit WHERE at >= ?1 AND (?2 = '' OR device = ?2)`
	if q.Limit > 0 {
		query = `SELECT * FROM (` + query + ` ORDER BY seq DESC LIMIT ?3) ORDER BY seq`
	} else {
		query += ` ORDER BY seq`
	}
	rows, err := s.read.QueryContext(ctx, query, ms(q.Since), q.Device, q.Limit)
	if err != nil {
		return nil, s.wrap("read the audit log", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.Profile, &e.Device, &e.Op, &e.Status, &e.Outcome, &e.Message, &e.Detail, &e.Who); err != nil {
			return nil, s.wrap("read the audit log", err)
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, s.wrap("read the audit log", rows.Err())
}

var _ Store = (*SQLite)(nil)
