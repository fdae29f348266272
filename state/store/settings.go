package store

import (
	"context"
	"database/sql"
	"errors"
)

// SetSetting keeps a value by name, replacing the one before.
func (s *SQLite) SetSetting(ctx context.Context, name string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	return s.wrap("saving "+name, s.tx(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES (?1, ?2)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
		return err
	}))
}

// Setting is the value kept by name; false when none was.
func (s *SQLite) Setting(ctx context.Context, name string) ([]byte, bool, error) {
	var v []byte
	err := s.read.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, s.wrap("reading "+name, err)
	}
	return v, true, nil
}
