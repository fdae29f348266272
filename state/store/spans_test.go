package store

import (
	"slices"
	"testing"
	"time"
)

// Spans added in any order come back joined; pruning takes back what it
// dropped, so a pruned range is fetched again rather than shown empty.
func TestCoveredSpansJoinAndArePruned(t *testing.T) {
	s, _ := openTemp(t)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	for _, sp := range []Span{{h(-50 * 24), h(-40 * 24)}, {h(-5), h(-3)}, {h(-2), h(0)}, {h(-3), h(-2)}, {h(-10), h(-6)}} {
		if err := s.AddCovered(ctx, "A", sp); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddCovered(ctx, "B", Span{h(-1), h(0)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Covered(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	want := []Span{{h(-50 * 24), h(-40 * 24)}, {h(-10), h(-6)}, {h(-5), h(0)}}
	if !slices.EqualFunc(got, want, func(a, b Span) bool { return a.From.Equal(b.From) && a.To.Equal(b.To) }) {
		t.Fatalf("covered %v, want %v", got, want)
	}
	if _, err := s.Prune(ctx, t0, Retention{Span: 7 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Covered(ctx, "A")
	// the span of 50–40 days ago is gone; the one that straddled the cut
	// starts at it
	if len(got) != 2 || !got[0].From.Equal(h(-7)) || !got[0].To.Equal(h(-6)) || !got[1].From.Equal(h(-5)) {
		t.Fatalf("after pruning to 7 h: %v", got)
	}
}

// The row cap drops the oldest messages of any device: the spans that
// held them start at the oldest message kept.
func TestTheRowCapTakesBackItsSpans(t *testing.T) {
	s, _ := openTemp(t)
	var batch []Message
	for i := range 10 {
		batch = append(batch, msg("A", t0.Add(-time.Duration(i)*time.Hour), i))
	}
	if err := s.Fold(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if err := s.AddCovered(ctx, "A", Span{t0.Add(-9 * time.Hour), t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prune(ctx, t0, Retention{MaxRows: 4}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Covered(ctx, "A")
	if len(got) != 1 || !got[0].From.Equal(t0.Add(-4*time.Hour)) || !got[0].To.Equal(t0) {
		t.Fatalf("after the cap: %v, want from 4 h back", got)
	}
}
