package state

import (
	"context"
	"slices"
	"sort"
	"time"

	"sqc/api"
	"sqc/state/store"
)

// StoredHistory is what the database holds of a device over a span: its
// messages in time order, and the spans of it known complete, which a
// fetch then skips.
func StoredHistory(ctx context.Context, db store.Store, id string, want Span) ([]api.DataMessage, []Span, error) {
	if db == nil {
		return nil, nil, nil
	}
	var msgs []api.DataMessage
	err := db.EachHistory(ctx, id, want.From, want.To, func(_ time.Time, b []byte) error {
		m, err := DecodeStored(b)
		if err != nil {
			return nil // one unreadable message does not hide the rest
		}
		msgs = append(msgs, *m)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	// the device's latest message is kept apart from its history
	if m, ok, err := db.LatestMessage(ctx, id); err == nil && ok && !m.TS.Before(want.From) && !m.TS.After(want.To) {
		if dm, err := DecodeStored(m.JSON); err == nil {
			msgs = append(msgs, *dm)
		}
	}
	cov, err := db.Covered(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	have := make([]Span, len(cov))
	for i, c := range cov {
		have[i] = Span{From: c.From, To: c.To}
	}
	return SortMessages(msgs), have, nil
}

// KeepFetched folds a fetched page into the database and records the
// spans the fetch has completed, so that they are never asked for again.
// It runs off the screen's goroutine: the caller's command calls it.
func KeepFetched(ctx context.Context, db store.Store, id string, msgs []api.DataMessage, covered []Span, now time.Time) error {
	if db == nil {
		return nil
	}
	batch := make([]store.Message, 0, len(msgs))
	for i := range msgs {
		sm, err := StoredMessage(id, &msgs[i], now)
		if err != nil {
			return err
		}
		batch = append(batch, sm)
	}
	if len(batch) > 0 {
		if err := db.Fold(ctx, batch); err != nil {
			return err
		}
	}
	for _, s := range covered {
		if err := db.AddCovered(ctx, id, store.Span{From: s.From, To: s.To}); err != nil {
			return err
		}
	}
	return nil
}

// SortMessages puts messages in time order, each time once (a server may
// send a message twice, or out of order); those without a time go.
func SortMessages(msgs []api.DataMessage) []api.DataMessage {
	msgs = slices.DeleteFunc(msgs, func(m api.DataMessage) bool { return m.Time().IsZero() })
	slices.SortStableFunc(msgs, func(a, b api.DataMessage) int { return a.Time().Compare(b.Time()) })
	return slices.CompactFunc(msgs, func(a, b api.DataMessage) bool {
		return a.Time().UnixMilli() == b.Time().UnixMilli()
	})
}

// FieldPoint is one numeric value of a field at one time.
type FieldPoint struct {
	T time.Time
	V float64
}

// FieldSeries is one numeric field over the messages.
type FieldSeries struct {
	Key, Unit string
	Points    []FieldPoint
}

// NumericFields are the fields of msgs (in time order) that hold numbers,
// the most values first, then those that vary before flat ones, then in
// the readings' group order (power first) and by name; the message's
// time is not among them. A field that is a number in one
// message and text in the next is drawn where it is a number.
func NumericFields(msgs []api.DataMessage) []FieldSeries {
	idx := map[string]int{}
	var out []FieldSeries
	for i := range msgs {
		t := msgs[i].Time()
		if t.IsZero() {
			continue // a value with no time has no place on a time axis
		}
		for _, f := range msgs[i].Fields {
			if f.Kind != api.KindNumber || f.Key == "ts" || f.Key == "time" {
				continue
			}
			j, ok := idx[f.Key]
			if !ok {
				j = len(out)
				idx[f.Key] = j
				out = append(out, FieldSeries{Key: f.Key, Unit: api.Unit(f.Key)})
			}
			out[j].Points = append(out[j].Points, FieldPoint{T: t, V: f.Num})
		}
	}
	varies := make(map[string]bool, len(out))
	for _, f := range out {
		for _, p := range f.Points[min(1, len(f.Points)):] {
			if p.V != f.Points[0].V {
				varies[f.Key] = true
				break
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return FieldBefore(FieldRank{Key: a.Key, N: len(a.Points), Varies: varies[a.Key]}, FieldRank{Key: b.Key, N: len(b.Points), Varies: varies[b.Key]})
	})
	return out
}

// FieldRank is what orders a field among the charts: its key, how many
// values it has and whether they vary.
type FieldRank struct {
	Key    string
	N      int
	Varies bool
}

// FieldBefore orders the fields to chart: the most values first, then
// those that vary, then the readings' group order (power first), then
// by name. Every list of charted fields sorts by it.
func FieldBefore(a, b FieldRank) bool {
	switch {
	case a.N != b.N:
		return a.N > b.N
	case a.Varies != b.Varies:
		return a.Varies // a flat line says least: drawn last
	case api.GroupRank(a.Key) != api.GroupRank(b.Key):
		return api.GroupRank(a.Key) < api.GroupRank(b.Key)
	}
	return a.Key < b.Key
}
