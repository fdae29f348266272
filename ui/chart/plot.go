package chart

import (
	"math"
	"slices"
	"strings"
	"time"
)

// Point is one value at one time.
type Point struct {
	T time.Time
	V float64
}

// Series is one field over time, its points in time order.
type Series struct {
	Name, Unit string
	Points     []Point
}

// Options shape a chart.
type Options struct {
	// Width is the whole chart's width in cells, labels included; Height
	// is each series' plot in rows (its title and the shared axis are
	// extra).
	Width, Height int
	From, To      time.Time
	// Gap: two points farther apart than this are not joined. 0 is three
	// times the series' usual spacing (its median).
	Gap time.Duration
	// Loc is the zone of the axis' times; nil is UTC.
	Loc *time.Location
}

// Layout maps time to the chart's columns, so that a caller can mark
// what happened under the plot and put a cursor on it.
type Layout struct {
	Left     int // the first column of the plot, after the value labels
	Width    int // the plot's width in cells
	From, To time.Time
}

// Col is the cell column (from the chart's left edge) a time falls in.
func (l Layout) Col(t time.Time) (int, bool) {
	if l.Width <= 0 || t.Before(l.From) || t.After(l.To) || !l.To.After(l.From) {
		return 0, false
	}
	x := int(float64(t.Sub(l.From)) / float64(l.To.Sub(l.From)) * float64(l.Width))
	return l.Left + min(x, l.Width-1), true
}

// Span is the time a cell column covers (col from the chart's left edge).
func (l Layout) Span(col int) (from, to time.Time) {
	step := l.To.Sub(l.From) / time.Duration(max(l.Width, 1))
	from = l.From.Add(time.Duration(col-l.Left) * step)
	return from, from.Add(step)
}

// Stats are a series' figures over the range drawn.
type Stats struct {
	N             int
	Min, Avg, Max float64
}

// Chart is a drawn chart: its lines and how time maps onto them.
type Chart struct {
	Lines  []string
	Layout Layout
	Stats  []Stats // per series
}

// Draw stacks the series on one time axis: per series a title with its
// unit and min/avg/max, its plot, then one axis with times under all.
func Draw(series []Series, o Options) Chart {
	series = slices.Clone(series)
	o.Height = max(o.Height, 1)
	if !o.To.After(o.From) {
		o.To = o.From.Add(time.Minute)
	}
	loc := o.Loc
	if loc == nil {
		loc = time.UTC
	}
	stats := make([]Stats, len(series))
	labels := make([][3]string, len(series))
	labelW := 1
	for i, s := range series {
		if !slices.IsSortedFunc(s.Points, func(a, b Point) int { return a.T.Compare(b.T) }) {
			// what a server sent out of order is drawn in time order
			s.Points = slices.SortedStableFunc(slices.Values(s.Points), func(a, b Point) int { return a.T.Compare(b.T) })
			series[i] = s
		}
		stats[i] = statsOf(s.Points, o.From, o.To)
		lo, hi := bounds(stats[i])
		labels[i] = [3]string{Number(hi), Number((lo + hi) / 2), Number(lo)}
		for _, l := range labels[i] {
			labelW = max(labelW, len(l))
		}
	}
	lay := Layout{Left: labelW + 1, Width: max(o.Width-labelW-1, 4), From: o.From, To: o.To}
	var lines []string
	for i, s := range series {
		lines = append(lines, title(s, stats[i]))
		lines = append(lines, plot(s, stats[i], labels[i], labelW, lay, o)...)
	}
	lines = append(lines, strings.Repeat(" ", labelW)+"└"+strings.Repeat("─", lay.Width))
	lines = append(lines, axisLabels(lay, loc))
	return Chart{Lines: lines, Layout: lay, Stats: stats}
}

func statsOf(pts []Point, from, to time.Time) Stats {
	st := Stats{Min: math.Inf(1), Max: math.Inf(-1)}
	sum := 0.0
	for _, p := range pts {
		if p.T.Before(from) || p.T.After(to) || math.IsNaN(p.V) || math.IsInf(p.V, 0) {
			continue
		}
		st.N++
		sum += p.V
		st.Min, st.Max = min(st.Min, p.V), max(st.Max, p.V)
	}
	if st.N > 0 {
		st.Avg = sum / float64(st.N)
	}
	return st
}

// bounds is the value range a plot spans: the data's, widened when flat.
func bounds(st Stats) (lo, hi float64) {
	if st.N == 0 {
		return 0, 1
	}
	lo, hi = st.Min, st.Max
	if hi == lo {
		pad := math.Max(math.Abs(lo)*0.05, 0.5)
		lo, hi = lo-pad, hi+pad
	}
	return lo, hi
}

func title(s Series, st Stats) string {
	var b strings.Builder
	b.WriteString(s.Name)
	if s.Unit != "" {
		b.WriteString(" (" + s.Unit + ")")
	}
	if st.N == 0 {
		b.WriteString("  no values in range")
		return b.String()
	}
	b.WriteString("  min " + Number(st.Min) + "  avg " + Number(st.Avg) + "  max " + Number(st.Max))
	return b.String()
}

// column is what the points falling in one dot column drew there.
type column struct {
	used            bool
	first, last     int // dot rows of the first and last point
	lo, hi          int // the span of all of them
	firstAt, lastAt time.Time
}

func plot(s Series, st Stats, labels [3]string, labelW int, lay Layout, o Options) []string {
	c := newCanvas(lay.Width, o.Height)
	if st.N > 0 {
		drawSeries(c, s.Points, st, lay, o.Gap)
	}
	out := make([]string, o.Height)
	for y := range out {
		label, tick := "", "│"
		switch y {
		case 0:
			label, tick = labels[0], "┤"
		case o.Height - 1:
			label, tick = labels[2], "┤"
		case (o.Height - 1) / 2:
			if o.Height >= 5 {
				label, tick = labels[1], "┤"
			}
		}
		out[y] = strings.Repeat(" ", labelW-len(label)) + label + tick + string(c.row(y))
	}
	return out
}

func drawSeries(c *canvas, pts []Point, st Stats, lay Layout, gap time.Duration) {
	if gap <= 0 {
		gap = 3 * medianStep(pts)
	}
	lo, hi := bounds(st)
	dotsX, dotsY := 2*c.w, 4*c.h
	span := float64(lay.To.Sub(lay.From))
	cols := make([]column, dotsX)
	for _, p := range pts {
		if p.T.Before(lay.From) || p.T.After(lay.To) || math.IsNaN(p.V) || math.IsInf(p.V, 0) {
			continue
		}
		x := min(int(float64(p.T.Sub(lay.From))/span*float64(dotsX)), dotsX-1)
		y := int(math.Round((hi - p.V) / (hi - lo) * float64(dotsY-1)))
		col := &cols[x]
		if !col.used {
			*col = column{used: true, first: y, last: y, lo: y, hi: y, firstAt: p.T, lastAt: p.T}
			continue
		}
		col.last, col.lastAt = y, p.T
		col.lo, col.hi = min(col.lo, y), max(col.hi, y)
	}
	prev := -1
	for x := range cols {
		col := &cols[x]
		if !col.used {
			continue
		}
		c.vline(x, col.lo, col.hi)
		if prev >= 0 && col.firstAt.Sub(cols[prev].lastAt) <= gap {
			c.line(prev, cols[prev].last, x, col.first)
		}
		prev = x
	}
}

// medianStep is the usual time between two points; a minute when there
// are too few to say.
func medianStep(pts []Point) time.Duration {
	if len(pts) < 3 {
		return time.Minute
	}
	n := min(len(pts)-1, 1001)
	steps := make([]time.Duration, 0, n)
	for i := 1; i <= n; i++ {
		if d := pts[i].T.Sub(pts[i-1].T); d > 0 {
			steps = append(steps, d)
		}
	}
	if len(steps) == 0 {
		return time.Minute
	}
	slices.Sort(steps)
	return steps[len(steps)/2]
}
