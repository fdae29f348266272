package api

import "strings"

// Clean makes a server string safe for one line of a terminal.
// (Interim: control characters only; the full sanitiser replaces it.)
func Clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}
