package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

func dayKey(t time.Time) string   { return t.UTC().Format(time.DateOnly) }
func monthKey(t time.Time) string { return t.UTC().Format("2006-01") }

// Count adds to the ledger. Each count is added inside the database
// (n = n + ?) in a durable transaction, so every process on the file adds
// up exactly, with nothing to merge, and a count acknowledged is kept.
func (s *SQLite) Count(ctx context.Context, c Calls) error {
	if err := checkCalls(c); err != nil {
		return err
	}
	return s.wrap("count a request in the quota ledger", s.tx(ctx, true, func(tx *sql.Tx) error { return count(ctx, tx, c) }))
}

// CountBatch adds several counts in one durable transaction: a process
// counting thousands of requests a second waits for the disk once a batch,
// not once a request. Either all of them are kept or none is. The day's
// counts of a batch are summed first, one row written a key and day, and
// each device's row goes through one prepared statement: a batch holds a
// row for every non-Hosted device read since the last.
func (s *SQLite) CountBatch(ctx context.Context, cs []Calls) error {
	for _, c := range cs {
		if err := checkCalls(c); err != nil {
			return err
		}
	}
	if len(cs) == 0 {
		return nil
	}
	return s.wrap("count requests in the quota ledger", s.tx(ctx, true, func(tx *sql.Tx) error { return countAll(ctx, tx, cs) }))
}

func checkCalls(c Calls) error {
	if c.Sent < 0 || c.RateLimited < 0 {
		return fmt.Errorf("ledger: negative count %d/%d", c.Sent, c.RateLimited)
	}
	if c.Remaining != nil && *c.Remaining < 0 {
		return fmt.Errorf("ledger: negative remaining count %d for %s", *c.Remaining, c.DeviceID)
	}
	return nil
}

func count(ctx context.Context, tx *sql.Tx, c Calls) error {
	return countAll(ctx, tx, []Calls{c})
}

type keyDay struct{ key, day string }

func countAll(ctx context.Context, tx *sql.Tx, cs []Calls) error {
	days := map[keyDay][2]int{}
	var order []keyDay
	devices := 0
	for _, c := range cs {
		if c.DeviceID != "" {
			devices++
		}
		if c.Sent == 0 && c.RateLimited == 0 {
			continue
		}
		k := keyDay{c.Key, dayKey(c.At)}
		n, ok := days[k]
		if !ok {
			order = append(order, k)
		}
		days[k] = [2]int{n[0] + c.Sent, n[1] + c.RateLimited}
	}
	for _, k := range order {
		n := days[k]
		if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_day (key, day, used, rate_limited) VALUES (?1, ?2, ?3, ?4)
			ON CONFLICT (key, day) DO UPDATE SET used = used + excluded.used, rate_limited = rate_limited + excluded.rate_limited`,
			k.key, k.day, n[0], n[1]); err != nil {
			return err
		}
	}
	if devices == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO ledger_device (device, month, calls, remaining) VALUES (?1, ?2, ?3, ?4)
		ON CONFLICT (device, month) DO UPDATE SET calls = calls + excluded.calls,
			remaining = CASE WHEN excluded.remaining IS NULL THEN remaining
				WHEN remaining IS NULL THEN excluded.remaining
				ELSE min(remaining, excluded.remaining) END`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, c := range cs {
		if c.DeviceID == "" {
			continue
		}
		var rem sql.NullInt64
		if c.Remaining != nil {
			rem = sql.NullInt64{Int64: int64(*c.Remaining), Valid: true}
		}
		if _, err := st.ExecContext(ctx, c.DeviceID, monthKey(c.At), c.Sent, rem); err != nil {
			return err
		}
	}
	return nil
}

// Usage is the key's counts for the UTC day of day, from every process.
func (s *SQLite) Usage(ctx context.Context, key string, day time.Time) (Usage, error) {
	u := Usage{Day: dayKey(day)}
	err := s.read.QueryRowContext(ctx, `SELECT used, rate_limited FROM ledger_day WHERE key = ? AND day = ?`, key, u.Day).Scan(&u.Used, &u.RateLimited)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return u, s.wrap("read the quota ledger", err)
}

// Remaining is every device's count for the UTC month of month.
func (s *SQLite) Remaining(ctx context.Context, month time.Time) (map[string]DeviceMonth, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT device, calls, coalesce(remaining, -1) FROM ledger_device WHERE month = ?`, monthKey(month))
	if err != nil {
		return nil, s.wrap("read the quota ledger", err)
	}
	defer rows.Close()
	out := map[string]DeviceMonth{}
	for rows.Next() {
		var id string
		var m DeviceMonth
		if err := rows.Scan(&id, &m.Calls, &m.Remaining); err != nil {
			return nil, s.wrap("read the quota ledger", err)
		}
		out[id] = m
	}
	return out, s.wrap("read the quota ledger", rows.Err())
}

// Checkpoint copies the WAL into the database and truncates it. Another
// process reading at the moment keeps part of it; the next call finishes.
func (s *SQLite) Checkpoint(ctx context.Context) error {
	if s.path == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var busy, logFrames, done int
	err := s.write.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done)
	return s.wrap("checkpointing", err)
}
