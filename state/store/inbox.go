package store

import (
	"context"
	"database/sql"
	"time"
)

// InboxEntry is one change of a device's state, or a new alert, as the
// inbox keeps it. States are the caller's numbers: the store does not
// read them.
type InboxEntry struct {
	Device string
	At     time.Time // kept to the millisecond
	To     int
	Event  bool
	Name   string
	From   int
	Text   string
	AckAt  time.Time // zero until acknowledged
	AckBy  string
}

// InboxKey names an entry: the same change seen by two consoles is kept once.
type InboxKey struct {
	Device string
	At     time.Time
	To     int
	Event  bool
}

// Inbox is the part of the store that keeps the inbox. SQLite has it;
// the engine asks a store for it, so a store without it keeps no inbox.
type Inbox interface {
	// AddInbox keeps new entries; one kept already is left as it is.
	AddInbox(ctx context.Context, es []InboxEntry) error
	// AckInbox marks entries acknowledged; one acknowledged already
	// keeps who did it first.
	AckInbox(ctx context.Context, keys []InboxKey, by string, at time.Time) error
	// InboxEntries is the newest limit entries, newest first.
	InboxEntries(ctx context.Context, limit int) ([]InboxEntry, error)
	// PruneInbox drops the entries before before, and the oldest beyond
	// keep; it returns how many went.
	PruneInbox(ctx context.Context, before time.Time, keep int) (int, error)
}

var _ Inbox = (*SQLite)(nil)

// AddInbox keeps new entries in one transaction.
func (s *SQLite) AddInbox(ctx context.Context, es []InboxEntry) error {
	if len(es) == 0 {
		return nil
	}
	return s.wrap("keeping the inbox", s.tx(ctx, false, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO inbox (device, at, to_state, event, name, from_state, text, ack_at, ack_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, e := range es {
			var ack any
			if !e.AckAt.IsZero() {
				ack = ms(e.AckAt)
			}
			if _, err := st.ExecContext(ctx, e.Device, ms(e.At), e.To, e.Event, e.Name, e.From, e.Text, ack, e.AckBy); err != nil {
				return err
			}
		}
		return nil
	}))
}

// AckInbox marks entries acknowledged, durably: an acknowledgement a
// power cut took back would show the alarm as unseen again.
func (s *SQLite) AckInbox(ctx context.Context, keys []InboxKey, by string, at time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	return s.wrap("acknowledging in the inbox", s.tx(ctx, true, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `UPDATE inbox SET ack_at = ?, ack_by = ?
			WHERE device = ? AND at = ? AND to_state = ? AND event = ? AND ack_at IS NULL`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, k := range keys {
			if _, err := st.ExecContext(ctx, ms(at), by, k.Device, ms(k.At), k.To, k.Event); err != nil {
				return err
			}
		}
		return nil
	}))
}

// InboxEntries is the newest limit entries, newest first.
func (s *SQLite) InboxEntries(ctx context.Context, limit int) ([]InboxEntry, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT device, at, to_state, event, name, from_state, text, ack_at, ack_by
		FROM inbox ORDER BY at DESC LIMIT ?`, limit)
	if err != nil {
		return nil, s.wrap("reading the inbox", err)
	}
	defer rows.Close()
	var out []InboxEntry
	for rows.Next() {
		var e InboxEntry
		var at int64
		var ack sql.NullInt64
		if err := rows.Scan(&e.Device, &at, &e.To, &e.Event, &e.Name, &e.From, &e.Text, &ack, &e.AckBy); err != nil {
			return nil, s.wrap("reading the inbox", err)
		}
		e.At = fromMS(at)
		if ack.Valid {
			e.AckAt = fromMS(ack.Int64)
		}
		out = append(out, e)
	}
	return out, s.wrap("reading the inbox", rows.Err())
}

// PruneInbox drops what is older than before, then the oldest beyond keep.
func (s *SQLite) PruneInbox(ctx context.Context, before time.Time, keep int) (int, error) {
	var n int64
	err := s.tx(ctx, false, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM inbox WHERE at < ?`, ms(before))
		if err != nil {
			return err
		}
		a, _ := res.RowsAffected()
		if keep > 0 {
			res, err = tx.ExecContext(ctx, `DELETE FROM inbox WHERE (device, at, to_state, event) IN
				(SELECT device, at, to_state, event FROM inbox ORDER BY at DESC LIMIT -1 OFFSET ?)`, keep)
			if err != nil {
				return err
			}
			b, _ := res.RowsAffected()
			a += b
		}
		n = a
		return nil
	})
	return int(n), s.wrap("pruning the inbox", err)
}
