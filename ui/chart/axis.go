package chart

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Number writes a value in at most about seven characters: enough digits
// to tell neighbouring labels apart, never an exponent for the values a
// device reports.
func Number(v float64) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "?"
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 1, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return trim(strconv.FormatFloat(v, 'f', 1, 64))
	case a >= 0.01 || a == 0:
		return trim(strconv.FormatFloat(v, 'f', 2, 64))
	}
	return strconv.FormatFloat(v, 'g', 2, 64)
}

func trim(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		return "0"
	}
	return s
}

// timeFormat is how the axis writes a time: the clock for a day or less,
// the date with it for up to a week, the date alone beyond.
func timeFormat(span time.Duration) string {
	switch {
	case span <= 2*time.Hour:
		return "15:04:05"
	case span <= 26*time.Hour:
		return "15:04"
	case span <= 8*24*time.Hour:
		return "Jan 2 15:04"
	}
	return "Jan 2"
}

// axisLabels writes times under the axis, as many as fit with room
// between them, the first at the left edge and the last at the right.
func axisLabels(lay Layout, loc *time.Location) string {
	layout := timeFormat(lay.To.Sub(lay.From))
	w := len(lay.From.In(loc).Format(layout))
	line := []rune(strings.Repeat(" ", lay.Left+lay.Width))
	slots := max(1, lay.Width/(w+4))
	for i := 0; i <= slots; i++ {
		col := lay.Left + i*(lay.Width-1)/slots
		t := lay.From.Add(time.Duration(float64(lay.To.Sub(lay.From)) * float64(i) / float64(slots)))
		label := []rune(t.In(loc).Format(layout))
		start := col - len(label)/2
		start = max(min(start, len(line)-len(label)), 0)
		if i == 0 {
			start = max(lay.Left-len(label)/2, 0)
		}
		if start+len(label) > len(line) {
			continue
		}
		copy(line[start:], label)
	}
	return strings.TrimRight(string(line), " ")
}
