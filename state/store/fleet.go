package store

import (
	"context"
	"database/sql"
	"time"
)

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// PutDevices keeps devices as listed; their latest messages stay.
func (s *SQLite) PutDevices(ctx context.Context, devs []Device) error {
	return s.wrap("saving the device list", s.tx(ctx, false, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO devices (id, device) VALUES (?1, ?2)
			ON CONFLICT (id) DO UPDATE SET device = excluded.device`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, d := range devs {
			if _, err := st.ExecContext(ctx, d.ID, d.JSON); err != nil {
				return err
			}
		}
		return nil
	}))
}

// Restore gives every device with its latest message, in ID order.
func (s *SQLite) Restore(ctx context.Context, fn func(Latest) error) error {
	rows, err := s.read.QueryContext(ctx, `SELECT id, device, ts, fetched, msg FROM devices`)
	if err != nil {
		return s.wrap("reading the devices", err)
	}
	defer rows.Close()
	var (
		l       Latest
		ts, fet sql.NullInt64
		dev     sql.RawBytes
		msg     sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&l.ID, &dev, &ts, &fet, &msg); err != nil {
			return s.wrap("reading the devices", err)
		}
		l.Device, l.Message = dev, msg
		l.TS, l.Fetched = fromMS(ts.Int64), fromMS(fet.Int64)
		if err := fn(l); err != nil {
			return err
		}
	}
	return s.wrap("reading the devices", rows.Err())
}

// Fold keeps messages in one transaction: a newer one becomes its
// device's latest and the one it replaces goes to the history; an older
// one goes to the history; one already kept (same device and time) is
// ignored.
func (s *SQLite) Fold(ctx context.Context, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	return s.wrap("saving messages", s.tx(ctx, false, func(tx *sql.Tx) error {
		demote, err := tx.PrepareContext(ctx, `INSERT INTO history (device, ts, msg)
			SELECT id, ts, msg FROM devices WHERE id = ?1 AND ts < ?2 AND msg IS NOT NULL
			ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer demote.Close()
		latest, err := tx.PrepareContext(ctx, `INSERT INTO devices (id, ts, fetched, msg) VALUES (?1, ?2, ?3, ?4)
			ON CONFLICT (id) DO UPDATE SET ts = excluded.ts, fetched = excluded.fetched, msg = excluded.msg
			WHERE devices.ts IS NULL OR devices.ts < excluded.ts`)
		if err != nil {
			return err
		}
		defer latest.Close()
		older, err := tx.PrepareContext(ctx, `INSERT INTO history (device, ts, msg)
			SELECT ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM devices WHERE id = ?1 AND ts = ?2)
			ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer older.Close()
		for _, m := range msgs {
			t := m.TS.UnixMilli()
			if _, err := demote.ExecContext(ctx, m.DeviceID, t); err != nil {
				return err
			}
			res, err := latest.ExecContext(ctx, m.DeviceID, t, ms(m.Fetched), m.JSON)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				if _, err := older.ExecContext(ctx, m.DeviceID, t, m.JSON); err != nil {
					return err
				}
			}
		}
		return nil
	}))
}

// History is a device's messages from from to to (both included), oldest
// first, its latest among them.
func (s *SQLite) History(ctx context.Context, deviceID string, from, to time.Time) ([]Message, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT ts, msg FROM history WHERE device = ?1 AND ts BETWEEN ?2 AND ?3
		UNION ALL SELECT ts, msg FROM devices WHERE id = ?1 AND ts BETWEEN ?2 AND ?3
		ORDER BY ts`, deviceID, from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return nil, s.wrap("reading the history", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		m := Message{DeviceID: deviceID}
		var t int64
		if err := rows.Scan(&t, &m.JSON); err != nil {
			return nil, s.wrap("reading the history", err)
		}
		m.TS = time.UnixMilli(t).UTC()
		out = append(out, m)
	}
	return out, s.wrap("reading the history", rows.Err())
}

// Prune drops the history older than r.Span before now, then the oldest
// beyond r.MaxRows, in batches so that no transaction holds the writer
// long; it returns how many messages went.
func (s *SQLite) Prune(ctx context.Context, now time.Time, r Retention) (int, error) {
	const batch = 5000
	total := 0
	del := func(query string, args ...any) (int, error) {
		var n int64
		err := s.tx(ctx, false, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, query, args...)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		return int(n), err
	}
	if r.Span > 0 {
		cut := now.Add(-r.Span).UnixMilli()
		for {
			n, err := del(`DELETE FROM history WHERE (device, ts) IN (SELECT device, ts FROM history WHERE ts < ? LIMIT ?)`, cut, batch)
			if err != nil {
				return total, s.wrap("pruning the history", err)
			}
			total += n
			if n < batch {
				break
			}
		}
	}
	if r.MaxRows > 0 {
		var count int
		if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM history`).Scan(&count); err != nil {
			return total, s.wrap("pruning the history", err)
		}
		for count > r.MaxRows {
			n, err := del(`DELETE FROM history WHERE (device, ts) IN (SELECT device, ts FROM history ORDER BY ts LIMIT ?)`, min(batch, count-r.MaxRows))
			if err != nil {
				return total, s.wrap("pruning the history", err)
			}
			if n == 0 {
				break
			}
			total, count = total+n, count-n
		}
	}
	return total, nil
}
