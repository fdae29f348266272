package look

import "sqc/api"

// Clean makes a string safe for one line of the terminal.
func Clean(s string) string { return api.Clean(s) }
