package look

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"sqc/api"
)

// The width helpers. Server strings are cleaned before they get here, so
// they hold no escape sequences; a cut stops as soon as the width is
// reached, so a 50 KB value costs what its first screenful does.

// Cut shortens plain text to at most w cells, ending in … when cut.
func Cut(s string, w int) string { return api.Truncate(s, w, "…") }

// Pad cuts or pads plain text to exactly w cells.
func Pad(s string, w int) string {
	s = Cut(s, w)
	if sw := CellWidth(s); sw < w {
		return s + strings.Repeat(" ", w-sw)
	}
	return s
}

func CellWidth(s string) int {
	if isASCII(s) {
		return len(s)
	}
	return ansi.StringWidth(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// Fit cuts a styled line to w cells without breaking escape sequences.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// Wrap breaks text into lines of at most w cells, at spaces when it can.
func Wrap(s string, w int) string {
	return ansi.Wrap(s, max(10, w), " ")
}

func Itoa(n int) string { return strconv.Itoa(n) }
