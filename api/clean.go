package api

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Every string a server sends ends up on a terminal, in a clipboard or in
// a file. A terminal obeys escape sequences and 8-bit controls inside it
// (set the clipboard, retitle the window, answer a DCS query into stdin,
// clear the screen), so they are taken out whole before anything is shown.

// Clean makes s safe to show on one line: escape sequences (CSI, OSC, DCS,
// SOS, PM, APC, with 7-bit ESC or 8-bit C1 introducers) go whole, every
// other control character (C0, DEL, C1) goes, tab, CR and LF become a
// space, bidi overrides go, and invalid UTF-8 becomes U+FFFD. A string of
// printable ASCII is returned as it is, without allocating.
func Clean(s string) string { return clean(s, false) }

// CleanText is Clean for text of several lines: LF (and CRLF) stays a
// line break.
func CleanText(s string) string { return clean(s, true) }

// Bounds of the strings a server sends, in runes: cut once, where they are
// decoded, so that nothing downstream (a frame, a filter, a cache) pays for
// a 49 MB name. Real names are a few dozen characters.
const (
	MaxNameRunes = 256  // names, groups, models, firmware: what a list shows
	MaxIDRunes   = 64   // a device ID is 9 characters; more is a server's lie
	MaxTextRunes = 4096 // event messages, CAN data and other free text
)

// CleanCut is Clean cut to at most n runes, ending in "…" when something
// was cut. Only a bounded prefix of s is read, so a string of any length
// costs what one of n runes does.
func CleanCut(s string, n int) string { return cleanCut(s, n, false) }

// cleanCut is CleanCut of s, which is itself a cut string when cut is set.
// The "…" counts among the n runes.
func cleanCut(s string, n int, cut bool) string {
	if n <= 0 {
		return ""
	}
	if lim := cutWindow(n); len(s) > lim {
		s, cut = s[:lim], true
	}
	c := Clean(s)
	count := utf8.RuneCountInString(c)
	switch {
	case count <= n && !cut:
		return c
	case count < n:
		return c + "…"
	}
	runes := 0
	for i := range c {
		if runes == n-1 {
			return c[:i] + "…"
		}
		runes++
	}
	return c
}

// cutWindow is how many bytes of a string CleanCut reads for n runes:
// room for n four-byte runes and the escapes Clean takes out among them.
func cutWindow(n int) int { return 16 * n }

// CSVCell cleans s for a CSV cell and defuses spreadsheet formulas: a cell
// that would start with = + - @ (or tab or CR), or their full-width forms
// that some spreadsheets read as the same, gets a leading '. Blanks before
// the sign do not make it safe: some spreadsheets trim them on import.
func CSVCell(s string) string {
	c := Clean(s)
	if formulaStart(s) || formulaStart(c) {
		return "'" + c
	}
	return c
}

func formulaStart(s string) bool {
	s = strings.TrimLeft(s, " \t\r\n")
	if s == "" {
		return false
	}
	if strings.IndexByte("=+-@", s[0]) >= 0 {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s)
	return strings.ContainsRune("\uFF1D\uFF0B\uFF0D\uFF20", r)
}

// C1 introducers of escape sequences, as runes.
const (
	c1DCS = 0x90
	c1SOS = 0x98
	c1CSI = 0x9B
	c1ST  = 0x9C
	c1OSC = 0x9D
	c1PM  = 0x9E
	c1APC = 0x9F
)

func clean(s string, keepLF bool) string {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7F {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		switch {
		case c >= 0x20 && c < 0x7F:
			b.WriteByte(c)
			i++
		case c == '\n':
			if keepLF {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
			i++
		case c == '\r':
			if !(keepLF && i+1 < len(s) && s[i+1] == '\n') {
				b.WriteByte(' ')
			}
			i++
		case c == '\t':
			b.WriteByte(' ')
			i++
		case c == 0x1B:
			i = skipEscape(s, i)
		case c < utf8.RuneSelf: // the other C0 controls and DEL
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				b.WriteRune(utf8.RuneError)
				i++
			case r == c1CSI:
				i = skipCSI(s, i+size)
			case r == c1OSC || r == c1DCS || r == c1SOS || r == c1PM || r == c1APC:
				i = skipString(s, i+size)
			case r < 0xA0: // the other C1 controls
				i += size
			case isBidiOverride(r):
				i += size
			default:
				b.WriteString(s[i : i+size])
				i += size
			}
		}
	}
	return b.String()
}

// skipEscape returns the index past the sequence that starts with ESC at s[i].
func skipEscape(s string, i int) int {
	i++
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']', 'P', 'X', '^', '_':
		return skipString(s, i+1)
	}
	// ESC, intermediates (0x20-0x2F), a final byte (0x30-0x7E): ESC c, ESC ( B...
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2F {
		i++
	}
	if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7E {
		i++
	}
	return i
}

// skipCSI skips parameters and intermediates up to the final byte. A byte
// that cannot be part of a CSI ends it and is looked at on its own.
func skipCSI(s string, i int) int {
	for i < len(s) {
		c := s[i]
		switch {
		case c >= 0x20 && c <= 0x3F:
			i++
		case c >= 0x40 && c <= 0x7E:
			return i + 1
		default:
			return i
		}
	}
	return i
}

// skipString skips the body of OSC, DCS, SOS, PM and APC up to its
// terminator (BEL, ESC \ or C1 ST), or to the end when there is none, as a
// terminal would swallow it. CAN and SUB abort it; another ESC starts anew.
func skipString(s string, i int) int {
	for i < len(s) {
		switch c := s[i]; c {
		case 0x07:
			return i + 1
		case 0x18, 0x1A:
			return i + 1
		case 0x1B:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i
		case 0xC2:
			if i+1 < len(s) && s[i+1] == c1ST {
				return i + 2
			}
			i++
		default:
			i++
		}
	}
	return i
}

// Truncate cuts a cleaned string to at most cells terminal cells, ending
// it with tail (such as "…") when something was cut. It walks only as far
// as the cut, so a 50 MB name costs as much as a short one.
func Truncate(s string, cells int, tail string) string {
	if cells <= 0 {
		return ""
	}
	// Printable ASCII is one cell a byte: no need to segment it.
	n := min(len(s), cells+1)
	ascii := true
	for j := 0; j < n; j++ {
		if s[j] < 0x20 || s[j] >= 0x7F {
			ascii = false
			break
		}
	}
	if ascii {
		if len(s) <= cells {
			return s
		}
		tw := ansi.StringWidth(tail)
		if tw > cells {
			return s[:cells]
		}
		return s[:cells-tw] + tail
	}
	tw := ansi.StringWidth(tail)
	width, fit, i := 0, -1, 0
	for i < len(s) {
		cluster, w := ansi.FirstGraphemeCluster(s[i:], ansi.GraphemeWidth)
		if len(cluster) == 0 {
			break
		}
		if width+w > cells-tw && fit < 0 {
			fit = i // the longest prefix that leaves room for the tail
		}
		if width+w > cells {
			if tw > cells {
				return s[:fit]
			}
			return s[:fit] + tail
		}
		width += w
		i += len(cluster)
	}
	return s
}
