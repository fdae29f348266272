package ui

import "sqc/api"

// clean makes a string safe for one line of the terminal.
func clean(s string) string { return api.Clean(s) }
