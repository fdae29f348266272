package pane

import (
	"math"
	"slices"
	"sort"
	"time"

	"sqc/api"
	"sqc/state"
	"sqc/ui/chart"
)

// histSet is a device's messages as the history pane holds them: a week
// every 30 s is 20,160 messages, and decoded (every field with its raw
// JSON) they took 11.5 MB. Here each message is its time and its packed
// encoding, decoded again only for the one under the cursor; the charts
// draw from each numeric field's (time, value) pairs and the event list
// from the events alone. A set is never changed once built: merge makes
// a new one, so a command may read an old one off the screen's goroutine.
type histSet struct {
	ts     []int64  // Unix milliseconds, ascending, each once
	off    []uint32 // message i is raw[off[i]:off[i+1]]
	raw    []byte
	events []histEvent // in time order
	fields []histField // as state.NumericFields orders them
}

// histField is one numeric field over the messages.
type histField struct {
	Key, Unit string
	pts       []histPoint // in time order
}

type histPoint struct {
	ms int64
	v  float64
}

func (s *histSet) Len() int {
	if s == nil {
		return 0
	}
	return len(s.ts)
}

// Time is message i's time.
func (s *histSet) Time(i int) time.Time { return time.UnixMilli(s.ts[i]).UTC() }

// Message decodes message i; nil when it cannot be.
func (s *histSet) Message(i int) *api.DataMessage {
	m, err := state.DecodeStored(s.raw[s.off[i]:s.off[i+1]])
	if err != nil {
		return nil
	}
	return m
}

// Messages decodes them all, for a ticket: off the screen's goroutine.
func (s *histSet) Messages() []api.DataMessage {
	out := make([]api.DataMessage, 0, s.Len())
	for i := range s.Len() {
		if m := s.Message(i); m != nil {
			out = append(out, *m)
		}
	}
	return out
}

// search is the index of the first message at or after t.
func (s *histSet) search(t time.Time) int {
	ms := t.UnixMilli()
	return sort.Search(len(s.ts), func(i int) bool { return s.ts[i] >= ms })
}

// newHistSet packs msgs (in any order, repeats and messages without a
// time dropped as state.SortMessages does).
func newHistSet(msgs []api.DataMessage) *histSet {
	msgs = state.SortMessages(msgs)
	s := &histSet{ts: make([]int64, 0, len(msgs)), off: make([]uint32, 1, len(msgs)+1)}
	for i := range msgs {
		m := &msgs[i]
		sm, err := state.StoredMessage("", m, time.Time{})
		if err != nil {
			continue
		}
		ms := m.Time().UnixMilli()
		if n := len(s.ts); n > 0 && s.ts[n-1] == ms {
			continue // the same millisecond twice: what the database keeps once
		}
		s.ts = append(s.ts, ms)
		s.raw = append(s.raw, sm.JSON...)
		s.off = append(s.off, uint32(len(s.raw)))
		for _, e := range m.Events {
			s.events = append(s.events, histEvent{t: m.Time(), ev: e})
		}
	}
	s.raw = slices.Clip(s.raw)
	for _, f := range state.NumericFields(msgs) {
		hf := histField{Key: f.Key, Unit: f.Unit, pts: make([]histPoint, 0, len(f.Points))}
		for _, p := range f.Points {
			ms := p.T.UnixMilli()
			if n := len(hf.pts); n > 0 && hf.pts[n-1].ms == ms {
				continue
			}
			hf.pts = append(hf.pts, histPoint{ms: ms, v: p.V})
		}
		s.fields = append(s.fields, hf)
	}
	return s
}

// merge is a set of the messages of both, a's kept where both have a time.
func (a *histSet) merge(b *histSet) *histSet {
	switch {
	case b.Len() == 0:
		return a
	case a.Len() == 0:
		return b
	}
	n := len(a.ts) + len(b.ts)
	s := &histSet{ts: make([]int64, 0, n), off: make([]uint32, 1, n+1), raw: make([]byte, 0, len(a.raw)+len(b.raw))}
	dup := map[int64]bool{} // b's times a has: b's message there is dropped
	take := func(from *histSet, i int) {
		s.ts = append(s.ts, from.ts[i])
		s.raw = append(s.raw, from.raw[from.off[i]:from.off[i+1]]...)
		s.off = append(s.off, uint32(len(s.raw)))
	}
	i, j := 0, 0
	for i < len(a.ts) || j < len(b.ts) {
		switch {
		case j == len(b.ts) || i < len(a.ts) && a.ts[i] < b.ts[j]:
			take(a, i)
			i++
		case i == len(a.ts) || b.ts[j] < a.ts[i]:
			take(b, j)
			j++
		default:
			dup[b.ts[j]] = true
			take(a, i)
			i, j = i+1, j+1
		}
	}
	s.events = make([]histEvent, 0, len(a.events)+len(b.events))
	s.events = append(s.events, a.events...)
	for _, e := range b.events {
		if !dup[e.t.UnixMilli()] {
			s.events = append(s.events, e)
		}
	}
	slices.SortStableFunc(s.events, func(x, y histEvent) int { return x.t.Compare(y.t) })
	byKey := map[string]int{}
	for _, f := range a.fields {
		byKey[f.Key] = len(s.fields)
		s.fields = append(s.fields, f)
	}
	for _, f := range b.fields {
		k, ok := byKey[f.Key]
		if !ok {
			byKey[f.Key] = len(s.fields)
			s.fields = append(s.fields, histField{Key: f.Key, Unit: f.Unit})
			k = len(s.fields) - 1
		}
		s.fields[k].pts = mergePoints(s.fields[k].pts, f.pts, dup)
	}
	sortFields(s.fields)
	return s
}

// mergePoints joins two runs of points in time order into a new one; b's
// points at a time a's message holds are not taken.
func mergePoints(a, b []histPoint, dup map[int64]bool) []histPoint {
	out := make([]histPoint, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i].ms <= b[j].ms:
			out = append(out, a[i])
			i++
		case dup[b[j].ms]:
			j++
		default:
			out = append(out, b[j])
			j++
		}
	}
	return out
}

// sortFields orders fields as state.NumericFields does (state.FieldBefore).
func sortFields(fs []histField) {
	varies := func(f histField) bool {
		for _, p := range f.pts {
			if p.v != f.pts[0].v {
				return true
			}
		}
		return false
	}
	v := make(map[string]bool, len(fs))
	for _, f := range fs {
		v[f.Key] = varies(f)
	}
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		return state.FieldBefore(state.FieldRank{Key: a.Key, N: len(a.pts), Varies: v[a.Key]}, state.FieldRank{Key: b.Key, N: len(b.pts), Varies: v[b.Key]})
	})
}

// series are fields ready to draw over w: the points in it, and one
// either side so that a line may leave the edge as the data does.
func series(fs []histField, w state.Span) []chart.Series {
	out := make([]chart.Series, len(fs))
	from, to := w.From.UnixMilli(), w.To.UnixMilli()
	for i, f := range fs {
		lo := max(sort.Search(len(f.pts), func(k int) bool { return f.pts[k].ms >= from })-1, 0)
		hi := min(sort.Search(len(f.pts), func(k int) bool { return f.pts[k].ms > to })+1, len(f.pts))
		pts := make([]chart.Point, 0, max(hi-lo, 0))
		for _, p := range f.pts[lo:max(hi, lo)] {
			if !math.IsNaN(p.v) {
				pts = append(pts, chart.Point{T: time.UnixMilli(p.ms).UTC(), V: p.v})
			}
		}
		out[i] = chart.Series{Name: f.Key, Unit: f.Unit, Points: pts}
	}
	return out
}

// since is the set without the messages before t: itself when it has none.
func (s *histSet) since(t time.Time) *histSet {
	lo := s.search(t)
	if lo == 0 {
		return s
	}
	out := &histSet{ts: slices.Clone(s.ts[lo:]), raw: slices.Clone(s.raw[s.off[lo]:])}
	out.off = make([]uint32, 0, len(out.ts)+1)
	for _, o := range s.off[lo:] {
		out.off = append(out.off, o-s.off[lo])
	}
	for _, e := range s.events {
		if !e.t.Before(t) {
			out.events = append(out.events, e)
		}
	}
	ms := t.UnixMilli()
	for _, f := range s.fields {
		k := sort.Search(len(f.pts), func(i int) bool { return f.pts[i].ms >= ms })
		if k < len(f.pts) {
			out.fields = append(out.fields, histField{Key: f.Key, Unit: f.Unit, pts: slices.Clone(f.pts[k:])})
		}
	}
	sortFields(out.fields)
	return out
}
