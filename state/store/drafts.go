package store

import (
	"context"
	"database/sql"
	"errors"
)

// SaveDraft keeps a draft; one without changes is removed.
func (s *SQLite) SaveDraft(ctx context.Context, d Draft) error {
	return s.wrap("saving the draft of "+d.DeviceID, s.tx(ctx, true, func(tx *sql.Tx) error { return saveDraft(ctx, tx, d) }))
}

func saveDraft(ctx context.Context, tx *sql.Tx, d Draft) error {
	empty := len(d.Changes) == 0 || string(d.Changes) == "null" || string(d.Changes) == "[]"
	{
		if empty {
			_, err := tx.ExecContext(ctx, `DELETE FROM drafts WHERE key = ? AND device = ?`, d.Key, d.DeviceID)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO drafts (key, device, saved_at, changes) VALUES (?, ?, ?, ?)
			ON CONFLICT (key, device) DO UPDATE SET saved_at = excluded.saved_at, changes = excluded.changes`,
			d.Key, d.DeviceID, ms(d.SavedAt), []byte(d.Changes))
		return err
	}
}

// Draft is a device's draft; false when there is none.
func (s *SQLite) Draft(ctx context.Context, key, deviceID string) (Draft, bool, error) {
	d := Draft{Key: key, DeviceID: deviceID}
	var at int64
	var ch []byte
	err := s.read.QueryRowContext(ctx, `SELECT saved_at, changes FROM drafts WHERE key = ? AND device = ?`, key, deviceID).Scan(&at, &ch)
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, s.wrap("reading the draft of "+deviceID, err)
	}
	d.SavedAt, d.Changes = fromMS(at), ch
	return d, true, nil
}

// DraftDevices lists the devices with a draft under a key.
func (s *SQLite) DraftDevices(ctx context.Context, key string) ([]string, error) {
	return s.strings(ctx, "reading the drafts", `SELECT device FROM drafts WHERE key = ? ORDER BY device`, key)
}

func (s *SQLite) strings(ctx context.Context, verb, query string, args ...any) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.wrap(verb, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, s.wrap(verb, err)
		}
		out = append(out, v)
	}
	return out, s.wrap(verb, rows.Err())
}
