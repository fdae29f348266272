package state

import (
	"context"
	"fmt"
	"slices"
	"time"

	"sqc/api"
)

// DataGetter is the one call a range fetch makes.
type DataGetter interface {
	GetData(ctx context.Context, id string, q api.DataQuery) (*api.DataPage, error)
}

// RangeFetch fetches a device's messages over a range, one page of at
// most api.MaxDataLimit a call to Next, newest first, skipping what is
// already held: the caller can show progress and stop between pages, and
// keeps what came. It never asks for more than its bound, and never twice
// for the same page.
type RangeFetch struct {
	Device string
	Want   Span
	// Requests is how many Next sent; Max bounds them (twice the
	// estimate, so a device reporting faster than thought is still
	// fetched, and a server that pages wrongly is stopped).
	Requests, Max int
	Got           int // messages kept
	Ignored       int // outside the range, without a time, or twice
	// Covered are the spans now known complete: the caller records them
	// so that they are never fetched again.
	Covered []Span
	// Stopped says why the fetch ended before covering the range.
	Stopped string

	every time.Duration
	// assumed: nothing said how often the device reports (a minute is
	// guessed), so the first full page may teach it (learn)
	assumed bool
	todo    []Span    // missing, newest first
	end     time.Time // the current span's next page ends here
	seen    map[int64]struct{}
}

// NewRangeFetch plans the fetch of want, less what have covers, on a
// device that reports about every `every` (0: a minute). The range is cut
// at now: the future holds nothing yet.
func NewRangeFetch(device string, want Span, have []Span, now time.Time, every time.Duration) *RangeFetch {
	if want.To.After(now) {
		want.To = now
	}
	assumed := every <= 0
	if assumed {
		every = time.Minute
	}
	f := &RangeFetch{Device: device, Want: want, every: every, assumed: assumed, seen: map[int64]struct{}{}}
	if want.To.After(want.From) {
		f.todo = MissingSpans(want, have)
		slices.Reverse(f.todo)
	}
	f.Max = 2*f.Estimate() + 2
	return f
}

// Estimate is the requests the missing spans should cost at the device's
// spacing: a page per 1,000 messages, and one to find each span's end.
func (f *RangeFetch) Estimate() int {
	n := 0
	for _, s := range f.todo {
		msgs := int(s.Dur()/f.every) + 1
		n += msgs/api.MaxDataLimit + 1
	}
	return n
}

// Missing is what is still to fetch.
func (f *RangeFetch) Missing() []Span { return slices.Clone(f.todo) }

// Done reports whether nothing is left to ask (or the fetch stopped).
func (f *RangeFetch) Done() bool { return len(f.todo) == 0 || f.Stopped != "" }

// Next asks for one page and returns its messages in the range, each
// once. An error leaves the fetch where it was: Next may be called again.
func (f *RangeFetch) Next(ctx context.Context, c DataGetter) ([]api.DataMessage, error) {
	if f.Done() {
		return nil, nil
	}
	if f.Requests >= f.Max {
		f.Stopped = fmt.Sprintf("stopped after %d requests, more than the range should hold at this device's interval; fetch again to go on", f.Requests)
		return nil, nil
	}
	span := f.todo[0]
	end := span.To
	if !f.end.IsZero() {
		end = f.end
	}
	f.Requests++
	page, err := c.GetData(ctx, f.Device, api.DataQuery{Start: span.From, End: end, Limit: api.MaxDataLimit})
	if err != nil {
		return nil, err
	}
	var kept []api.DataMessage
	var oldest time.Time
	for _, m := range page.Data {
		t := m.Time()
		if !t.IsZero() && (oldest.IsZero() || t.Before(oldest)) {
			oldest = t
		}
		if t.IsZero() || t.Before(span.From) || t.After(end) {
			f.Ignored++
			continue
		}
		k := t.UnixMilli()
		if _, dup := f.seen[k]; dup {
			f.Ignored++
			continue
		}
		f.seen[k] = struct{}{}
		kept = append(kept, m)
	}
	f.Got += len(kept)
	switch {
	case len(page.Data) < api.MaxDataLimit || !oldest.IsZero() && oldest.Before(span.From):
		// the server has no more in this span, or gave messages from
		// before it (it ignores start): the span is complete
		f.Covered = append(f.Covered, span)
		f.todo, f.end = f.todo[1:], time.Time{}
	case oldest.IsZero() || !oldest.Before(end):
		// a full page that does not reach back past its end: the server
		// did not page by the range
		f.Stopped = "the server did not answer by time range; kept what came"
	default:
		// the next page ends at the oldest message of this one, which it
		// may give again (the server's ends are whole seconds)
		f.end = oldest
		f.learn(kept)
	}
	return kept, nil
}

// minEvery is the fastest reporting a page may teach the bound: a server
// that sends a thousand messages a millisecond apart cannot raise it
// beyond a message a second over the range.
const minEvery = time.Second

// learn raises the bound when a full page shows the device reporting
// faster than the minute guessed when nothing stored said how often: the
// rest of the range is then fetched whole, still bounded by what it can
// hold at the spacing seen. An interval the stored history gave is kept:
// a device far busier than it is stopped at the bound, saying so.
func (f *RangeFetch) learn(kept []api.DataMessage) {
	if !f.assumed || len(kept) < 2 {
		return
	}
	lo, hi := kept[0].Time(), kept[0].Time()
	for i := range kept {
		t := kept[i].Time()
		lo, hi = minTime(lo, t), maxTime(hi, t)
	}
	every := max(hi.Sub(lo)/time.Duration(len(kept)-1), minEvery)
	if every >= f.every {
		return
	}
	f.every = every
	left := 0
	for i, s := range f.todo {
		if i == 0 && !f.end.IsZero() {
			s.To = f.end
		}
		left += int(s.Dur()/f.every)/api.MaxDataLimit + 1
	}
	f.Max = max(f.Max, f.Requests+2*left+2)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// MissingSpans is want less the spans of have.
func MissingSpans(want Span, have []Span) []Span {
	have = MergeSpans(have)
	var out []Span
	from := want.From
	for _, h := range have {
		if !h.To.After(from) || !h.From.Before(want.To) {
			continue
		}
		if h.From.After(from) {
			out = append(out, Span{From: from, To: h.From})
		}
		if h.To.After(from) {
			from = h.To
		}
	}
	if want.To.After(from) {
		out = append(out, Span{From: from, To: want.To})
	}
	return out
}

// MergeSpans sorts spans and joins those that touch or overlap.
func MergeSpans(spans []Span) []Span {
	s := slices.Clone(spans)
	slices.SortFunc(s, func(a, b Span) int { return a.From.Compare(b.From) })
	var out []Span
	for _, x := range s {
		if !x.To.After(x.From) {
			continue
		}
		if n := len(out); n > 0 && !x.From.After(out[n-1].To) {
			if x.To.After(out[n-1].To) {
				out[n-1].To = x.To
			}
			continue
		}
		out = append(out, x)
	}
	return out
}
