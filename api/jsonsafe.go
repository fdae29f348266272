package api

import (
	"unicode/utf8"
)

// SafeJSON rewrites a JSON document so that no byte of it can drive a
// terminal: inside strings, C0 controls, DEL, C1 controls and bidi
// overrides become \u escapes, which decode to the same value, and
// invalid UTF-8 becomes \ufffd (what any decoder would read anyway).
// Everything else, numbers included, stays byte for byte. A document with
// nothing to escape is returned as it is.
func SafeJSON(b []byte) []byte {
	i := firstUnsafeJSON(b)
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+64)
	out = append(out, b[:i]...)
	for i < len(b) {
		c := b[i]
		switch {
		case c == '\t' || c == '\n' || c == '\r':
			out = append(out, c) // whitespace: the only place a valid document has them raw
			i++
		case c < 0x20 || c == 0x7F:
			out = appendU(out, rune(c))
			i++
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				out = appendU(out, utf8.RuneError)
			case r < 0xA0 || isBidiOverride(r):
				out = appendU(out, r)
			default:
				out = append(out, b[i:i+size]...)
			}
			i += size
		}
	}
	return out
}

// firstUnsafeJSON finds the first byte SafeJSON has to look at closely.
// Outside strings a valid document holds only ASCII, where the only
// controls are the whitespace tab, CR and LF; those stay.
func firstUnsafeJSON(b []byte) int {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= utf8.RuneSelf || c == 0x7F || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
			return i
		}
	}
	return len(b)
}

func isBidiOverride(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

const hexDigits = "0123456789abcdef"

func appendU(out []byte, r rune) []byte {
	return append(out, '\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
}
