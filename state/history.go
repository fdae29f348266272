package state

import (
	"time"

	"sqc/api"
)

// Point is one reading of a numeric field.
type Point struct {
	TS    float64 // Unix seconds
	Value float64
}

// At is the point's time.
func (p Point) At() time.Time { return time.Unix(0, int64(p.TS*1e9)).UTC() }

// Series holds the latest points of one field: it grows as points come
// and turns into a ring at its capacity.
type Series struct {
	pts   []Point
	cap   int
	start int
}

// Len is the number of points held.
func (s *Series) Len() int { return len(s.pts) }

// Values returns the values oldest first into dst.
func (s *Series) Values(dst []float64) []float64 {
	dst = dst[:0]
	for i := range s.pts {
		dst = append(dst, s.pts[(s.start+i)%len(s.pts)].Value)
	}
	return dst
}

// Last is the newest point.
func (s *Series) Last() Point { return s.pts[(s.start+len(s.pts)-1)%len(s.pts)] }

func (s *Series) add(p Point) {
	if len(s.pts) < s.cap {
		s.pts = append(s.pts, p)
		return
	}
	s.pts[s.start] = p
	s.start = (s.start + 1) % len(s.pts)
}

// History keeps the numeric fields of the messages read since the console
// started, each field in a ring of bounded size.
type History struct {
	cap    int
	fields map[string]*Series
	lastTS float64
}

// NewHistory makes a history holding up to capacity points per field.
func NewHistory(capacity int) *History {
	return &History{cap: max(2, capacity), fields: map[string]*Series{}}
}

// Add records a message's numeric fields; a message already seen (same
// or older timestamp) is skipped, so overlapping fetches do not double.
func (h *History) Add(m *api.DataMessage) {
	if m.TS <= h.lastTS {
		return
	}
	h.lastTS = m.TS
	for _, f := range m.Fields {
		if f.Kind != api.KindNumber || f.Key == "ts" || f.Key == "time" {
			continue
		}
		s := h.fields[f.Key]
		if s == nil {
			s = &Series{cap: h.cap}
			h.fields[f.Key] = s
		}
		s.add(Point{TS: m.TS, Value: f.Num})
	}
}

// Series returns one field's points, or nil.
func (h *History) Series(key string) *Series {
	if h == nil {
		return nil
	}
	return h.fields[key]
}

// LastTS is the newest message time recorded, in Unix seconds.
func (h *History) LastTS() float64 {
	if h == nil {
		return 0
	}
	return h.lastTS
}

// Points returns the points oldest first into dst.
func (s *Series) Points(dst []Point) []Point {
	dst = dst[:0]
	for i := range s.pts {
		dst = append(dst, s.pts[(s.start+i)%len(s.pts)])
	}
	return dst
}

// Keys are the fields with a series, in no particular order.
func (h *History) Keys() []string {
	if h == nil {
		return nil
	}
	keys := make([]string, 0, len(h.fields))
	for k := range h.fields {
		keys = append(keys, k)
	}
	return keys
}

// restore puts back a series read from the offline cache, points oldest
// first; only the newest cap of them are kept.
func (h *History) restore(key string, pts []Point) {
	if len(pts) == 0 {
		return
	}
	s := &Series{cap: h.cap}
	for _, p := range pts[max(0, len(pts)-h.cap):] {
		s.add(p)
	}
	h.fields[key] = s
	h.lastTS = max(h.lastTS, s.Last().TS)
}
