// Package chart draws time series as text: line charts in braille cells
// (2×4 dots a cell), several stacked on one time axis, for the history
// pane, `sqc history --plot` and the Markdown ticket.
//
// It is ours rather than ntcharts' (v2.0.0 builds on our Bubble Tea and
// Lip Gloss) because a chart of a device's history must never draw what
// did not happen: ntcharts joins every point to the next, so a device
// that sent nothing for an hour would show a line across the hour. Here
// two messages farther apart than the gap allowed are not joined, and a
// column holding many messages draws the span from their minimum to their
// maximum, so a spike among 20,000 points is still on screen.
//
// The package knows nothing of devices or terminals' colours: it takes
// points and gives lines of runes, and a Layout that maps time to columns
// so that a caller can put its own marks (events, a cursor) under them.
package chart
