package chart

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// every makes n points step apart from t0 with values f(i).
func every(n int, step time.Duration, f func(i int) float64) []Point {
	pts := make([]Point, n)
	for i := range pts {
		pts[i] = Point{T: t0.Add(time.Duration(i) * step), V: f(i)}
	}
	return pts
}

// dots reads a plot's rows back: for each cell column, the dot rows set
// (0 at the top), from the braille runes after the layout's left edge.
func dots(t *testing.T, rows []string, lay Layout) [][]int {
	t.Helper()
	cols := make([][]int, lay.Width)
	for y, row := range rows {
		r := []rune(row)
		if len(r) != lay.Left+lay.Width {
			t.Fatalf("row %d is %d cells wide, want %d: %q", y, len(r), lay.Left+lay.Width, row)
		}
		for x, c := range r[lay.Left:] {
			bits := uint8(c - 0x2800)
			if c < 0x2800 || c > 0x28ff {
				t.Fatalf("row %d column %d is %q, not braille", y, x, c)
			}
			for dy := range 4 {
				if bits&(dotBits[dy][0]|dotBits[dy][1]) != 0 {
					cols[x] = append(cols[x], 4*y+dy)
				}
			}
		}
	}
	return cols
}

func plotRows(c Chart, series, height int) []string {
	start := series*(height+1) + 1
	return c.Lines[start : start+height]
}

// The highest dot is where the data has its maximum, and the lowest where
// it has its minimum.
func TestTheChartHasTheShapeOfTheData(t *testing.T) {
	n := 2880 // a day every 30 s
	pts := every(n, 30*time.Second, func(i int) float64 { return 12 + math.Sin(float64(i)/float64(n)*2*math.Pi) })
	c := Draw([]Series{{Name: "vin", Unit: "V", Points: pts}}, Options{Width: 80, Height: 10, From: t0, To: t0.Add(24 * time.Hour)})
	cols := dots(t, plotRows(c, 0, 10), c.Layout)
	// the middle of the columns that reach the top (and the bottom) row:
	// a sine is flat for a few columns around its peak
	var tops, bottoms []int
	for x, ys := range cols {
		if len(ys) == 0 {
			t.Fatalf("column %d is empty in a series with no gap", x)
		}
		if ys[0] == 0 {
			tops = append(tops, x)
		}
		if ys[len(ys)-1] == 39 {
			bottoms = append(bottoms, x)
		}
	}
	if len(tops) == 0 || len(bottoms) == 0 {
		t.Fatalf("nothing reaches the top or the bottom:\n%s", strings.Join(c.Lines, "\n"))
	}
	top, bottom := (tops[0]+tops[len(tops)-1])/2, (bottoms[0]+bottoms[len(bottoms)-1])/2
	wantTop, _ := c.Layout.Col(t0.Add(6 * time.Hour))
	wantBottom, _ := c.Layout.Col(t0.Add(18 * time.Hour))
	if abs(top+c.Layout.Left-wantTop) > 1 || abs(bottom+c.Layout.Left-wantBottom) > 1 {
		t.Fatalf("maximum drawn at column %d (want %d), minimum at %d (want %d)", top+c.Layout.Left, wantTop, bottom+c.Layout.Left, wantBottom)
	}
	if !strings.HasPrefix(c.Lines[0], "vin (V)  min 11  avg 12  max 13") {
		t.Fatalf("title %q", c.Lines[0])
	}
}

// Where the device sent nothing the chart shows nothing: no line is drawn
// across an outage.
func TestAGapInReportingIsAGap(t *testing.T) {
	pts := every(240, time.Minute, func(i int) float64 { return float64(i % 7) })
	var kept []Point
	for _, p := range pts {
		if h := p.T.Sub(t0); h < time.Hour || h >= 2*time.Hour {
			kept = append(kept, p)
		}
	}
	c := Draw([]Series{{Name: "x", Points: kept}}, Options{Width: 60, Height: 6, From: t0, To: t0.Add(4 * time.Hour)})
	cols := dots(t, plotRows(c, 0, 6), c.Layout)
	for x := range cols {
		from, to := c.Layout.Span(x + c.Layout.Left)
		inside := !from.Before(t0.Add(time.Hour)) && !to.After(t0.Add(2*time.Hour))
		if inside && len(cols[x]) > 0 {
			t.Fatalf("column %d (%s–%s) is inside the outage and has dots %v", x, from.Format("15:04"), to.Format("15:04"), cols[x])
		}
		if !inside && from.Before(t0.Add(time.Hour-4*time.Minute)) && len(cols[x]) == 0 {
			t.Fatalf("column %d (%s) has data and no dots", x, from.Format("15:04"))
		}
	}
}

// One spike among 20,160 messages is still on screen: a column holding
// many messages draws all of their span.
func TestASpikeAmongManyIsDrawn(t *testing.T) {
	pts := every(20160, 30*time.Second, func(i int) float64 { return 5 })
	spike := 13000
	pts[spike].V = 50
	c := Draw([]Series{{Name: "p", Points: pts}}, Options{Width: 80, Height: 8, From: t0, To: t0.Add(7 * 24 * time.Hour)})
	cols := dots(t, plotRows(c, 0, 8), c.Layout)
	want, _ := c.Layout.Col(pts[spike].T)
	for x, ys := range cols {
		if len(ys) > 0 && ys[0] == 0 && x+c.Layout.Left != want {
			t.Fatalf("a dot at the top of column %d, the spike is in %d", x+c.Layout.Left, want)
		}
	}
	if ys := cols[want-c.Layout.Left]; len(ys) == 0 || ys[0] != 0 {
		t.Fatalf("the spike's column %d has dots %v", want, ys)
	}
}

// Bad input draws what is true and never panics: no points, one point, a
// flat line, values that are not numbers, points out of order, points
// outside the range, a range of ten years, a width too small.
func TestBadInputIsDrawnTrue(t *testing.T) {
	out := every(10, time.Minute, func(i int) float64 { return float64(10 - i) })
	out[3], out[7] = out[7], out[3]
	cases := map[string][]Point{
		"none":     nil,
		"one":      {{T: t0.Add(time.Minute), V: 3}},
		"flat":     every(50, time.Minute, func(int) float64 { return 7 }),
		"nan":      every(50, time.Minute, func(i int) float64 { return map[bool]float64{true: math.NaN(), false: 1}[i%2 == 0] }),
		"disorder": out,
		"outside":  {{T: t0.Add(-time.Hour), V: 1}, {T: t0.Add(100 * time.Hour), V: 2}},
	}
	for name, pts := range cases {
		for _, o := range []Options{
			{Width: 80, Height: 6, From: t0, To: t0.Add(time.Hour)},
			{Width: 3, Height: 0, From: t0, To: t0},
			{Width: 80, Height: 6, From: t0.AddDate(-10, 0, 0), To: t0},
		} {
			c := Draw([]Series{{Name: name, Points: pts}}, o)
			if len(c.Lines) == 0 {
				t.Fatalf("%s: nothing drawn", name)
			}
		}
	}
	c := Draw([]Series{{Name: "disorder", Points: out}}, Options{Width: 40, Height: 4, From: t0, To: t0.Add(10 * time.Minute)})
	if c.Stats[0].N != 10 || c.Stats[0].Max != 10 || c.Stats[0].Min != 1 {
		t.Fatalf("stats of points out of order: %+v", c.Stats[0])
	}
	if c := Draw([]Series{{Name: "none"}}, Options{Width: 40, Height: 4, From: t0, To: t0.Add(time.Hour)}); !strings.Contains(c.Lines[0], "no values in range") {
		t.Fatalf("an empty series says %q", c.Lines[0])
	}
}

// Several fields share one axis: each has its title and plot, and the
// times are written once, under them all.
func TestStackedSeriesShareOneAxis(t *testing.T) {
	a := every(60, time.Minute, func(i int) float64 { return float64(i) })
	b := every(60, time.Minute, func(i int) float64 { return float64(-i) })
	c := Draw([]Series{{Name: "up", Points: a}, {Name: "down", Unit: "°C", Points: b}}, Options{Width: 70, Height: 4, From: t0, To: t0.Add(time.Hour), Loc: time.UTC})
	if len(c.Lines) != 2*(4+1)+2 {
		t.Fatalf("%d lines:\n%s", len(c.Lines), strings.Join(c.Lines, "\n"))
	}
	if !strings.HasPrefix(c.Lines[5], "down (°C)") || !strings.Contains(c.Lines[10], "└") {
		t.Fatalf("layout:\n%s", strings.Join(c.Lines, "\n"))
	}
	if !strings.Contains(c.Lines[11], "00:00:00") || !strings.Contains(c.Lines[11], "01:00:00") {
		t.Fatalf("axis times %q", c.Lines[11])
	}
	for _, l := range c.Lines {
		if w := len([]rune(l)); w > 70 {
			t.Fatalf("a line is %d cells wide, the chart was given 70: %q", w, l)
		}
	}
}

func TestNumberFitsALabel(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 12.5: "12.5", 12.0: "12", 3.14159: "3.14", 1234.6: "1235", 45678: "45.7k", 2.5e6: "2.5M", -0.5: "-0.5", 0.001: "0.001"} {
		if got := Number(v); got != want {
			t.Errorf("Number(%v) = %q, want %q", v, got, want)
		}
	}
}

func BenchmarkDrawWeek(b *testing.B) {
	fields := make([]Series, 3)
	for i := range fields {
		fields[i] = Series{Name: "f", Points: every(20160, 30*time.Second, func(j int) float64 { return math.Sin(float64(j*(i+1)) / 500) })}
	}
	for _, size := range []struct{ w, h int }{{120, 40}, {80, 24}} {
		b.Run(strconv.Itoa(size.w)+"x"+strconv.Itoa(size.h), func(b *testing.B) {
			h := max((size.h-6)/len(fields)-1, 2)
			b.ReportAllocs()
			for b.Loop() {
				Draw(fields, Options{Width: size.w, Height: h, From: t0, To: t0.Add(7 * 24 * time.Hour)})
			}
		})
	}
}
