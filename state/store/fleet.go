package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
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
	return s.wrap("saving the device list", s.tx(ctx, false, func(tx *sql.Tx) error { return putDevices(ctx, tx, devs) }))
}

func putDevices(ctx context.Context, tx *sql.Tx, devs []Device) error {
	{
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
	}
}

// Restore gives every device with its latest message, in ID order.
func (s *SQLite) Restore(ctx context.Context, fn func(Latest) error) error {
	rows, err := s.read.QueryContext(ctx, `SELECT id, device, ts, fetched, summary FROM devices`)
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
		l.Device, l.Summary = dev, msg
		l.TS, l.Fetched = fromMS(ts.Int64), fromMS(fet.Int64)
		if err := fn(l); err != nil {
			return err
		}
	}
	return s.wrap("reading the devices", rows.Err())
}

// Fold keeps messages in one transaction: each goes to the history
// (once: a message already kept is ignored) and a newer one becomes its
// device's latest; the latest read again moves only the time it was read.
func (s *SQLite) Fold(ctx context.Context, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	return s.wrap("saving messages", s.tx(ctx, false, func(tx *sql.Tx) error { return fold(ctx, tx, msgs) }))
}

func fold(ctx context.Context, tx *sql.Tx, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	hist, err := tx.PrepareContext(ctx, `INSERT INTO history (device, ts, msg) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING`)
	if err != nil {
		return err
	}
	defer hist.Close()
	latest, err := tx.PrepareContext(ctx, `INSERT INTO devices (id, ts, fetched, summary) VALUES (?1, ?2, ?3, ?4)
		ON CONFLICT (id) DO UPDATE SET ts = excluded.ts, fetched = excluded.fetched, summary = excluded.summary
		WHERE devices.ts IS NULL OR devices.ts < excluded.ts
			OR devices.ts = excluded.ts AND coalesce(devices.fetched, 0) < excluded.fetched`)
	if err != nil {
		return err
	}
	defer latest.Close()
	for _, m := range msgs {
		t := m.TS.UnixMilli()
		if _, err := hist.ExecContext(ctx, m.DeviceID, t, m.JSON); err != nil {
			return err
		}
		if _, err := latest.ExecContext(ctx, m.DeviceID, t, ms(m.Fetched), m.Summary); err != nil {
			return err
		}
	}
	return nil
}

// LatestMessage is a device's latest message; false when none was read.
func (s *SQLite) LatestMessage(ctx context.Context, deviceID string) (Message, bool, error) {
	m := Message{DeviceID: deviceID}
	var ts, fetched sql.NullInt64
	err := s.read.QueryRowContext(ctx, `SELECT d.ts, d.fetched, h.msg, d.summary FROM devices d
		JOIN history h ON h.device = d.id AND h.ts = d.ts WHERE d.id = ?`, deviceID).
		Scan(&ts, &fetched, &m.JSON, &m.Summary)
	if errors.Is(err, sql.ErrNoRows) {
		return m, false, nil
	}
	if err != nil {
		return m, false, s.wrap("reading the latest message of "+deviceID, err)
	}
	m.TS, m.Fetched = fromMS(ts.Int64), fromMS(fetched.Int64)
	return m, true, nil
}

// History is a device's messages from from to to (both included), oldest
// first, its latest among them.
func (s *SQLite) History(ctx context.Context, deviceID string, from, to time.Time) ([]Message, error) {
	var out []Message
	err := s.EachHistory(ctx, deviceID, from, to, func(ts time.Time, msg []byte) error {
		out = append(out, Message{DeviceID: deviceID, TS: ts, JSON: bytes.Clone(msg)})
		return nil
	})
	return out, err
}

// EachHistory gives a device's messages from from to to, oldest first;
// msg is only valid during fn.
func (s *SQLite) EachHistory(ctx context.Context, deviceID string, from, to time.Time, fn func(ts time.Time, msg []byte) error) error {
	rows, err := s.read.QueryContext(ctx, `SELECT ts, msg FROM history WHERE device = ?1 AND ts BETWEEN ?2 AND ?3 ORDER BY ts`,
		deviceID, from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return s.wrap("reading the history", err)
	}
	defer rows.Close()
	var (
		t   int64
		msg sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&t, &msg); err != nil {
			return s.wrap("reading the history", err)
		}
		if err := fn(time.UnixMilli(t).UTC(), msg); err != nil {
			return err
		}
	}
	return s.wrap("reading the history", rows.Err())
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
		if err := s.tx(ctx, false, func(tx *sql.Tx) error { return uncover(ctx, tx, cut) }); err != nil {
			return total, s.wrap("pruning the history", err)
		}
		for {
			n, err := del(`DELETE FROM history WHERE rowid IN (SELECT h.rowid FROM history h WHERE h.ts < ?
				AND NOT EXISTS (SELECT 1 FROM devices d WHERE d.id = h.device AND d.ts = h.ts) LIMIT ?)`, cut, batch)
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
		// every device's latest is kept whatever the cap
		if err := s.read.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM history) - (SELECT count(*) FROM devices WHERE ts IS NOT NULL)`).Scan(&count); err != nil {
			return total, s.wrap("pruning the history", err)
		}
		for count > r.MaxRows {
			n, err := del(`DELETE FROM history WHERE rowid IN (SELECT h.rowid FROM history h
				WHERE NOT EXISTS (SELECT 1 FROM devices d WHERE d.id = h.device AND d.ts = h.ts) ORDER BY h.ts LIMIT ?)`, min(batch, count-r.MaxRows))
			if err != nil {
				return total, s.wrap("pruning the history", err)
			}
			if n == 0 {
				break
			}
			total, count = total+n, count-n
		}
		// the cap dropped the oldest messages of any device: what is before
		// the oldest kept is no longer held by any span
		var oldest sql.NullInt64
		if err := s.read.QueryRowContext(ctx, `SELECT min(ts) FROM history h WHERE NOT EXISTS (SELECT 1 FROM devices d WHERE d.id = h.device AND d.ts = h.ts)`).Scan(&oldest); err != nil {
			return total, s.wrap("pruning the history", err)
		}
		if oldest.Valid && total > 0 {
			if err := s.tx(ctx, false, func(tx *sql.Tx) error { return uncover(ctx, tx, oldest.Int64) }); err != nil {
				return total, s.wrap("pruning the history", err)
			}
		}
	}
	return total, nil
}
