package api

import (
	"errors"
	"math"
	"strconv"
	"time"
)

// Numbers from the server are checked before they become ints or times:
// int(1e300) is -9223372036854775808 on amd64, and time.Unix of a huge
// float is garbage. What cannot be meant is dropped; what is merely out of
// range is clamped.

// maxUnix is 9999-12-31T23:59:59Z: a later timestamp cannot be meant.
const maxUnix = 253402300799

// absurdCount is where a count stops being a count: such a remaining
// value is dropped rather than clamped.
const absurdCount = 1e6

// MaxLevel bounds an event level on both sides: 1e20 is an alarm, never a
// negative int.
const MaxLevel = 1_000_000

// parseNumber reads a raw JSON number; an overflow comes back as ±Inf.
func parseNumber(raw []byte) (float64, bool) {
	if len(raw) == 0 || raw[0] == '"' || raw[0] == 'n' || raw[0] == 't' || raw[0] == 'f' || raw[0] == '[' || raw[0] == '{' {
		return 0, false
	}
	v, err := strconv.ParseFloat(parseView(raw), 64)
	if err != nil {
		return v, errors.Is(err, strconv.ErrRange)
	}
	return v, true
}

// remainingFrom turns an apiRequestsRemaining value into a count from 0 to
// MonthlyPerDevice; a value that is not a number, not finite or absurd is
// dropped (nil).
func remainingFrom(raw []byte) *int {
	v, ok := parseNumber(raw)
	if !ok {
		return nil
	}
	n, ok := ClampRemaining(v)
	if !ok {
		return nil
	}
	return &n
}

// ClampRemaining makes a device's calls left this month a count from 0 to
// MonthlyPerDevice; ok is false for a value that cannot be meant (NaN,
// infinite, beyond a million either way).
func ClampRemaining(v float64) (int, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > absurdCount {
		return 0, false
	}
	return int(math.Max(0, math.Min(MonthlyPerDevice, math.Floor(v)))), true
}

// ClampLevel turns an event level into an int within ±MaxLevel; NaN is 0.
func ClampLevel(v float64) int {
	if math.IsNaN(v) {
		return 0
	}
	return int(math.Max(-MaxLevel, math.Min(MaxLevel, math.Trunc(v))))
}

// ValidUnix reports whether v can be a moment in Unix seconds: finite, not
// before 1970, not after the year 9999.
func ValidUnix(v float64) bool {
	return !math.IsNaN(v) && v >= 0 && v <= maxUnix
}

// unixTime is the time of Unix seconds with their fraction: zero for 0
// or for a value ValidUnix refuses.
func unixTime(v float64) time.Time {
	if v == 0 || !ValidUnix(v) {
		return time.Time{}
	}
	sec, frac := math.Modf(v)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}
