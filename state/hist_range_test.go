package state

import (
	"strings"
	"testing"
	"time"
)

func TestParseRangeAsTyped(t *testing.T) {
	loc := time.FixedZone("AEST", 10*3600)
	now := time.Date(2026, 12, 5, 9, 30, 0, 0, loc)
	at := func(d, hm string) time.Time {
		t, _ := time.ParseInLocation("2006-01-02 15:04:05", d+" "+hm, loc)
		return t
	}
	for in, want := range map[string]Span{
		"24h":                       {now.Add(-24 * time.Hour), now},
		"7d":                        {now.Add(-7 * 24 * time.Hour), now},
		"-3h..now":                  {now.Add(-3 * time.Hour), now},
		"-2d..-1d":                  {now.Add(-48 * time.Hour), now.Add(-24 * time.Hour)},
		"2026-12-01 02:00..04:00":   {at("2026-12-01", "02:00:00"), at("2026-12-01", "04:00:00")},
		"02:00..04:30":              {at("2026-12-05", "02:00:00"), at("2026-12-05", "04:30:00")},
		"2026-12-01..2026-12-03":    {at("2026-12-01", "00:00:00"), at("2026-12-03", "23:59:59")},
		" 2026-12-04 23:00..now ":   {at("2026-12-04", "23:00:00"), now},
		"2026-12-04T08:00:00Z..-1h": {time.Date(2026, 12, 4, 18, 0, 0, 0, loc), now.Add(-time.Hour)},
	} {
		got, err := ParseRange(in, now, loc)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if !got.From.Equal(want.From) || !got.To.Equal(want.To) {
			t.Errorf("%q = %s, want %s", in, got, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "04:00..02:00", "3x", "-h..now", "2026-13-01..now", "0h"} {
		_, err := ParseRange(bad, now, loc)
		if err == nil || !strings.Contains(err.Error(), "try 24h") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestRangeFollowsNow(t *testing.T) {
	for s, want := range map[string]bool{"24h": true, "7d": true, "-3h..now": true, "2026-12-01 02:00..": true,
		"02:00..04:00": false, "-3h..-1h": false, "2026-12-01..2026-12-03": false} {
		if got := RangeFollowsNow(s); got != want {
			t.Errorf("RangeFollowsNow(%q) = %v, want %v", s, got, want)
		}
	}
}
