package api

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// One way to write numbers for the console and the CLI alike: a server
// other than our simulator sends 24.50669369697571, and a reader needs
// 24.507 V, with the unit never cut off.

// decimalsFor is how many decimals a key's value is worth showing: GPS
// degrees need 6 (0.1 m), everything else 3.
func decimalsFor(key string) int {
	if key == "gps_lat" || key == "gps_lon" {
		return 6
	}
	return 3
}

// FormatNumber writes a reading's value: integers as integers, others
// with at most 3 decimals (6 for gps_lat and gps_lon), trailing zeros
// trimmed, never in exponent notation for ordinary magnitudes. Only a
// magnitude of 1e15 and beyond, or one too small to show in those
// decimals, is written with an exponent, so that it is not shown as 0.
func FormatNumber(key string, v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case v == 0:
		return "0"
	}
	dec := decimalsFor(key)
	a := math.Abs(v)
	if a >= 1e15 || a < 0.5*math.Pow10(-dec) {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	if v == math.Trunc(v) {
		return strconv.FormatInt(int64(v), 10)
	}
	s := strconv.FormatFloat(v, 'f', dec, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// FormatReading writes one field of a data message as a person reads it:
// a number with FormatNumber and its unit (Unit), always together; text
// cleaned; the message's times (ts, time) in RFC 3339; CAN arrays and
// events counted (from m, when given); anything else as its JSON, cleaned.
func FormatReading(key string, f Field, m *DataMessage) string {
	switch f.Kind {
	case KindNumber:
		if t := unixTime(f.Num); Group(key) == "identity" && !t.IsZero() {
			// 0.1 s is all ts carries: the float's last digits are noise
			return t.Round(100 * time.Millisecond).Format(time.RFC3339Nano)
		}
		s := FormatNumber(key, f.Num)
		if u := Unit(key); u != "" {
			s += " " + u
		}
		return s
	case KindString:
		s, _ := f.Text()
		return s
	}
	if m != nil {
		switch key {
		case "can1", "can2":
			frames := m.CAN1
			if key == "can2" {
				frames = m.CAN2
			}
			if f.Kind == KindArray {
				return Plural(len(frames), "frame")
			}
		case "events":
			if f.Kind == KindArray {
				return Plural(len(m.Events), "event")
			}
		}
	}
	return Clean(string(f.Raw))
}

// FormatCANID writes a frame's identifier as the console and the CLI show
// it: 8 hex digits and the J1939 PGN, "18FF1AF2 pgn 65306". (--json keeps
// the decimal the server sent.)
func FormatCANID(f CANFrame) string {
	if f.BadID {
		return "invalid id"
	}
	return fmt.Sprintf("%08X pgn %d", f.ID, f.PGN())
}

// Plural writes a count with its noun: "1 frame", "2 frames", "0 frames".
// The nouns we count (frame, event, device, message, page, call) take -s.
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
