package state

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Span is a stretch of time, both ends included.
type Span struct{ From, To time.Time }

func (s Span) Dur() time.Duration { return s.To.Sub(s.From) }

func (s Span) String() string {
	return s.From.Format("2006-01-02 15:04:05") + ".." + s.To.Format("2006-01-02 15:04:05 MST")
}

// ParseRange reads a history range as a support engineer types it, in
// loc's time: "24h" or "-3h..now" (the last so long), "2026-12-01
// 02:00..04:00" (the second end takes the first's date), "02:00..04:00"
// (today), "2026-12-01..2026-12-03" (whole days), "-2d..-1d". An error
// says what was wrong and gives an example.
func ParseRange(s string, now time.Time, loc *time.Location) (Span, error) {
	s = strings.TrimSpace(s)
	now = now.In(loc)
	if s == "" {
		return Span{}, rangeErr(s, "it is empty")
	}
	from, to, two := strings.Cut(s, "..")
	if !two {
		d, err := parseAgo(strings.TrimPrefix(from, "-"))
		if err != nil {
			return Span{}, rangeErr(s, err.Error())
		}
		return Span{From: now.Add(-d), To: now}, nil
	}
	a, _, err := parseEnd(strings.TrimSpace(from), now, now, loc)
	if err != nil {
		return Span{}, rangeErr(s, err.Error())
	}
	b, dayB, err := parseEnd(strings.TrimSpace(to), now, a, loc)
	if err != nil {
		return Span{}, rangeErr(s, err.Error())
	}
	if dayB {
		b = b.AddDate(0, 0, 1).Add(-time.Second) // a whole day, to its last second
	}
	if !b.After(a) {
		return Span{}, rangeErr(s, fmt.Sprintf("it ends (%s) before it starts (%s)", b.Format("2006-01-02 15:04"), a.Format("2006-01-02 15:04")))
	}
	return Span{From: a, To: b}, nil
}

func rangeErr(s, why string) error {
	return fmt.Errorf("range %q: %s; try 24h, -3h..now, 02:00..04:00 or 2026-12-01 02:00..04:00", s, why)
}

// parseAgo reads "90m", "3h", "2d", "1w".
func parseAgo(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("no length")
	}
	unit := s[len(s)-1]
	n, err := strconv.ParseFloat(s[:len(s)-1], 64)
	if err != nil || n <= 0 || n > 100*365 {
		if d, derr := time.ParseDuration(s); derr == nil && d > 0 {
			return d, nil
		}
		return 0, fmt.Errorf("%q is not a length such as 90m, 3h or 7d", s)
	}
	per := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[unit]
	if per == 0 {
		return 0, fmt.Errorf("%q: the unit must be s, m, h, d or w", s)
	}
	return time.Duration(n * float64(per)), nil
}

// parseEnd reads one end of a range: now, -3h, a date, a date and time,
// or a time (on base's date). day says it was a date alone.
func parseEnd(s string, now, base time.Time, loc *time.Location) (t time.Time, day bool, err error) {
	switch {
	case s == "now" || s == "":
		return now, false, nil
	case strings.HasPrefix(s, "-"):
		d, err := parseAgo(s[1:])
		return now.Add(-d), false, err
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, false, nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, true, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc), false, nil
	}
	for _, layout := range []string{"15:04:05", "15:04"} {
		if c, err := time.ParseInLocation(layout, s, loc); err == nil {
			y, m, d := base.Date()
			return time.Date(y, m, d, c.Hour(), c.Minute(), c.Second(), 0, loc), false, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("%q is not a time: write now, -3h, 15:04, 2026-12-01 or 2026-12-01 15:04", s)
}

// RangeFollowsNow reports a range as typed that ends at now ("24h",
// "-3h..now", "2026-12-01 02:00.."): its end moves with the clock while
// it is shown. A range with a fixed end ("02:00..04:00", "-3h..-1h")
// stays where it is.
func RangeFollowsNow(s string) bool {
	_, to, two := strings.Cut(strings.TrimSpace(s), "..")
	if !two {
		return true
	}
	to = strings.TrimSpace(to)
	return to == "now" || to == ""
}
