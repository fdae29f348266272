package ui

import "time"

// shared is what every pane reads: one value passed to all, so a pane
// never reaches into the root model (as gh-dash's program context).
type shared struct {
	width, height int
	st            styles
	keys          keyMap
	now           func() time.Time
}
