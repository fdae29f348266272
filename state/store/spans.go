package store

import (
	"context"
	"database/sql"
	"time"
)

// Covered are the device's complete spans, in time order, joined.
func (s *SQLite) Covered(ctx context.Context, deviceID string) ([]Span, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT from_ms, to_ms FROM history_spans WHERE device = ? ORDER BY from_ms`, deviceID)
	if err != nil {
		return nil, s.wrap("reading what history is held", err)
	}
	defer rows.Close()
	var out []Span
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			return nil, s.wrap("reading what history is held", err)
		}
		out = append(out, Span{From: time.UnixMilli(a).UTC(), To: time.UnixMilli(b).UTC()})
	}
	return out, s.wrap("reading what history is held", rows.Err())
}

// AddCovered records a complete span, joining it with those it touches,
// so that the table stays one row per stretch however often it is added.
func (s *SQLite) AddCovered(ctx context.Context, deviceID string, sp Span) error {
	a, b := sp.From.UnixMilli(), sp.To.UnixMilli()
	if b < a {
		return nil
	}
	return s.wrap("recording what history is held", s.tx(ctx, false, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT from_ms, to_ms FROM history_spans WHERE device = ?1 AND to_ms >= ?2 AND from_ms <= ?3`, deviceID, a, b)
		if err != nil {
			return err
		}
		for rows.Next() {
			var x, y int64
			if err := rows.Scan(&x, &y); err != nil {
				rows.Close()
				return err
			}
			a, b = min(a, x), max(b, y)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM history_spans WHERE device = ?1 AND to_ms >= ?2 AND from_ms <= ?3`, deviceID, a, b); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO history_spans (device, from_ms, to_ms) VALUES (?1, ?2, ?3)`, deviceID, a, b)
		return err
	}))
}

// uncover takes back the spans of history older than cut (Unix ms): what
// pruning dropped is no longer held, and must be fetched again if asked.
func uncover(ctx context.Context, tx *sql.Tx, cut int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM history_spans WHERE to_ms < ?`, cut); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE history_spans SET from_ms = ?1 WHERE from_ms < ?1`, cut)
	return err
}
